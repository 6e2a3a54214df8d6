/**
 * npm run bench:framework — @nestjs/platform-express against @nestjs/platform-fastify for the
 * API's HTTP layer (issue 19): the same Nest application (bench/framework-app.ts: global guard,
 * the service's ValidationPipe and redemption DTO, a header, a redemption-sized JSON answer, no
 * database) on each adapter, run the same way (ts-node), 20,000 POST requests over 32 connections
 * (autocannon), three alternating rounds. Reports requests per second, p99 and the application's
 * CPU per request (bench/cpu.ts): the CPU per request is what a switch would save on each
 * redemption, to set against the redemption's whole CPU (bench:redeem's cpuMs).
 * Prints a JSON result line.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { processCpuMs } from './cpu';
import { median } from './support';

const ROOT = join(__dirname, '..');
const REQUESTS = 20_000;
const CONNECTIONS = 32;
const ROUNDS = 3;
const TODAY = new Date().toISOString().slice(0, 10);

interface Measure {
  perSecond: number;
  p99: number;
  cpuUsPerRequest: number;
  errors: number;
}

async function measure(adapter: 'express' | 'fastify', port: number): Promise<Measure> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'bench/framework-app.ts', adapter, String(port)],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`${adapter} app exited (${code})`)));
  });
  try {
    const run = (amount: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}/api/redemptions`,
        connections: CONNECTIONS,
        amount,
        method: 'POST',
        headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
        body: JSON.stringify({
          codes: ['7K2M-9QXD-4TRB-WX'],
          activity: 'Smartphone',
          sessionDate: TODAY,
        }),
      });
    await run(2_000); // warm-up (JIT, connections)
    const before = processCpuMs(child.pid!);
    const started = Date.now();
    const r = await run(REQUESTS);
    const seconds = (Date.now() - started) / 1000;
    const cpuMs = processCpuMs(child.pid!) - before;
    if (r['2xx'] !== REQUESTS)
      throw new Error(`${adapter}: ${r['2xx']} of ${REQUESTS} answered 2xx`);
    return {
      perSecond: Math.round(r['2xx'] / seconds),
      p99: r.latency.p99,
      cpuUsPerRequest: Math.round((cpuMs * 1000) / REQUESTS),
      errors: r.non2xx + r.errors,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const rounds: { express: Measure; fastify: Measure }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const express = await measure('express', 18_400 + 2 * i);
    const fastify = await measure('fastify', 18_401 + 2 * i);
    rounds.push({ express, fastify });
  }
  const med = (a: 'express' | 'fastify', k: keyof Measure) => median(rounds.map((r) => r[a][k]));
  const result = {
    bench: 'framework',
    requests: REQUESTS,
    connections: CONNECTIONS,
    rounds,
    express: {
      perSecond: med('express', 'perSecond'),
      p99: med('express', 'p99'),
      cpuUsPerRequest: med('express', 'cpuUsPerRequest'),
    },
    fastify: {
      perSecond: med('fastify', 'perSecond'),
      p99: med('fastify', 'p99'),
      cpuUsPerRequest: med('fastify', 'cpuUsPerRequest'),
    },
  };
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
