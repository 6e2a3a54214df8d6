/**
 * CPU time spent by the processes of a benchmark, read from Linux's /proc (user + system, in
 * clock ticks of 10 ms): the service's process, PostgreSQL's (the postmaster and every backend,
 * those that ended included, through the postmaster's reaped-children counters), and the
 * benchmark's own process (the load generator or the pg clients). What a run cost per redemption
 * in each tells which one the two shared cores are spent on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from 'pg';

const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux

/** utime, stime, cutime, cstime of a process (fields 14–17 of /proc/PID/stat), and its parent. */
function stat(pid: number): {
  own: number;
  children: number;
  ownSystem: number;
  childrenSystem: number;
  ppid: number;
} | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name, in parentheses, may hold spaces: the fields start after its last ')'
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      own: (Number(f[11]) + Number(f[12])) * TICK_MS,
      children: (Number(f[13]) + Number(f[14])) * TICK_MS,
      ownSystem: Number(f[12]) * TICK_MS,
      childrenSystem: Number(f[14]) * TICK_MS,
    };
  } catch {
    return null; // ended meanwhile
  }
}

/** CPU milliseconds of a process alone (for a Node service without children). */
export const processCpuMs = (pid: number): number => stat(pid)?.own ?? 0;

/**
 * CPU milliseconds of a process and of all its children, living and ended: in all, and the part
 * spent in the kernel (system calls: sockets, fsync of the WAL…).
 */
export function treeCpuMs(root: number): { total: number; system: number } {
  const r = stat(root);
  if (!r) return { total: 0, system: 0 };
  let total = r.own + r.children;
  let system = r.ownSystem + r.childrenSystem;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.ppid === root) {
      total += s.own;
      system += s.ownSystem;
    }
  }
  return { total, system };
}

/** The postmaster's pid: the parent of the backend serving this client. */
export async function postmasterPid(client: Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const s = stat(rows[0].pid);
  if (!s) throw new Error('backend not found in /proc');
  return s.ppid;
}

/** This process's own CPU milliseconds (user + system). */
export const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
