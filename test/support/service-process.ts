import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { clusterDirOf } from '../../src/database/embedded/embedded-postgres';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  port: number;
  url: string;
  child: ChildProcess;
  output(): string;
  /**
   * Waits until the output matches (what the process printed before answering /health may still
   * be in the pipe when /health answers) and returns the match.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** Peak resident memory of the process since start or the last reset (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Starts a new peak measurement (writes 5 to /proc/<pid>/clear_refs). */
  resetPeak(): void;
}

export interface StartOptions {
  /** Run dist/src/main.js (built by `nest build`) instead of the TypeScript sources. */
  compiled?: boolean;
  timeoutMs?: number;
  nodeArgs?: string[];
  /** Keep at most this many characters of output (the rest is dropped, oldest first). */
  keepOutput?: number;
  /** The port to listen on (from servicePort()), when it must be known before the start. */
  port?: number;
}

const ROOT = join(__dirname, '..', '..');

let nextPort = 0;

/**
 * A port for a service process, outside the kernel's ephemeral range (32768–60999, where the
 * embedded PostgreSQL servers and every port-0 listener get theirs) and in a block of its own for
 * each jest worker: a port chosen here is free until the service binds it, several seconds later,
 * without another process of the run being handed the same one meanwhile.
 */
export async function servicePort(): Promise<number> {
  const block = 20_000 + (Number(process.env.JEST_WORKER_ID ?? 1) % 12) * 1_000;
  for (let tries = 0; tries < 1_000; tries++) {
    const port = block + (nextPort++ % 1_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${block}–${block + 999}`);
}

/**
 * Starts the real service as a separate process — from the TypeScript sources the way `npm start`
 * runs it, or the compiled build — and waits until /health answers 200.
 */
export async function startService(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<ServiceProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const keep = options.keepOutput ?? 200_000;
  const port = options.port ?? (await servicePort());
  const entry = options.compiled
    ? ['dist/src/main.js']
    : ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: options.compiled ? 'production' : 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (out.length > keep) out = out.slice(out.length - keep);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`service exited early (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service did not become healthy in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    child,
    output: () => out,
    waitForOutput: async (pattern: RegExp, waitMs = 10_000) => {
      const until = Date.now() + waitMs;
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        if (Date.now() > until) throw new Error(`output never matched ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    peakRssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
  };
}

/**
 * Starts the service (from the TypeScript sources) when it is expected not to start: resolves with
 * its exit code and everything it printed.
 */
export async function runUntilExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output, stderr };
}

/** The connection URL of the embedded cluster a service keeps under dataDir, read from its files. */
export function embeddedClusterUrl(dataDir: string, database = 'pass_numerique'): string {
  const password = readFileSync(join(dataDir, 'postgres-password'), 'utf8').trim();
  const port = readFileSync(join(clusterDirOf(dataDir), 'postmaster.pid'), 'utf8').split('\n')[3];
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}
