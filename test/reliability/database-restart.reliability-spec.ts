import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded/embedded-postgres';
import { ServiceProcess } from '../support/service-process';
import { benchWorld } from '../support/world';
import {
  Answer,
  chequeCodes,
  ClusterProcess,
  redeem,
  sql,
  startClusterProcess,
  startCompiled,
  suiteEnv,
} from './support';

interface Attempt {
  code: string;
  key: string;
  phase: 'before' | 'outage' | 'after';
  answer: Answer | { status: 'timeout' | 'network'; ms: number };
}

/**
 * PostgreSQL is stopped (fast shutdown: sessions cut mid-transaction) and started again while
 * redemptions keep coming. The service is not restarted.
 */
describe('Database restart under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pn-restart-'));
  let cluster: ClusterProcess;
  let service: ServiceProcess;
  afterAll(async () => {
    await service?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 problem+json during the outage, recovers by itself, and loses or doubles nothing', async () => {
    const port = await freePort();
    cluster = await startClusterProcess(dir, port);
    const db = cluster.url;
    service = await startCompiled(suiteEnv(db));
    const world = await benchWorld(service.url, 300);
    const codes = await chequeCodes(db, world.programmeId);

    let phase: Attempt['phase'] = 'before';
    let next = 0;
    let running = true;
    const attempts: Attempt[] = [];
    const worker = async () => {
      while (running && next < codes.length) {
        const code = codes[next++];
        const key = randomUUID();
        const started = Date.now();
        const at = phase;
        try {
          const answer = await redeem(service.url, world.staff, [code], { key, timeoutMs: 15_000 });
          attempts.push({ code, key, phase: at, answer });
        } catch (err) {
          const status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
          attempts.push({ code, key, phase: at, answer: { status, ms: Date.now() - started } });
        }
        // A steady trickle, not a flood: the point is the outage, not throughput.
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    await sleep(1500);
    phase = 'outage';
    await cluster.stop();
    const healthDuringOutage = await fetch(`${service.url}/health`);
    await sleep(3000);
    cluster = await startClusterProcess(dir, port);
    phase = 'after';
    await sleep(3000);
    running = false;
    await Promise.all(workers);

    const by = (p: Attempt['phase']) => attempts.filter((a) => a.phase === p);
    const statuses = (list: Attempt[]) => {
      const m: Record<string, number> = {};
      for (const a of list) m[String(a.answer.status)] = (m[String(a.answer.status)] ?? 0) + 1;
      return m;
    };
    // What happened, for the record (the README's Guarantees quote these figures).
    process.stdout.write(
      `restart: before ${JSON.stringify(statuses(by('before')))}, outage ${JSON.stringify(
        statuses(by('outage')),
      )}, after ${JSON.stringify(statuses(by('after')))}, slowest ${Math.max(
        ...attempts.map((a) => a.answer.ms),
      )} ms\n`,
    );

    expect(healthDuringOutage.status).toBe(503);
    // Never a 500, never a hang, never a dropped connection: 201, or 503 problem+json.
    const bad = attempts.filter(
      (a) =>
        !(
          a.answer.status === 201 ||
          (a.answer.status === 503 &&
            'contentType' in a.answer &&
            a.answer.contentType.startsWith('application/problem+json') &&
            a.answer.body.code === 'SERVICE_UNAVAILABLE')
        ),
    );
    expect(bad.map((a) => `${a.phase} ${a.answer.status} ${JSON.stringify(a.answer)}`)).toEqual([]);
    expect(by('before').length).toBeGreaterThan(20);
    expect(by('outage').filter((a) => a.answer.status === 503).length).toBeGreaterThan(20);
    // Recovered without a restart of the service: the last requests all succeed.
    const after = by('after');
    expect(after.slice(-20).every((a) => a.answer.status === 201)).toBe(true);

    // Every 2xx has its row; every error has none.
    const ok = attempts.filter((a) => a.answer.status === 201).map((a) => a.code);
    const failed = attempts.filter((a) => a.answer.status !== 201).map((a) => a.code);
    const redeemed = new Set(
      (
        await sql<{ code: string }>(
          db,
          `SELECT c.code FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id WHERE l.active`,
        )
      ).map((r) => r.code),
    );
    expect(ok.filter((c) => !redeemed.has(c))).toEqual([]);
    expect(failed.filter((c) => redeemed.has(c))).toEqual([]);
    expect(redeemed.size).toBe(ok.length);

    // A client that retries a 503 with the same Idempotency-Key gets its redemption, once.
    const retried = attempts.filter((a) => a.answer.status === 503).slice(0, 10);
    for (const a of retried) {
      expect((await redeem(service.url, world.staff, [a.code], { key: a.key })).status).toBe(201);
      const replay = await redeem(service.url, world.staff, [a.code], { key: a.key });
      expect(replay.status).toBe(201);
    }
    const [{ n }] = await sql<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM redemption_line WHERE active`,
    );
    expect(n).toBe(ok.length + retried.length);
  });
});
