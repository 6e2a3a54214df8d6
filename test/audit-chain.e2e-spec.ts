import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { Queryable, verifyAuditChain } from '../src/audit/audit-verify';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { ENTITIES } from '../src/entities';
import { createTestApp, TestApp } from './support/app';
import { createTestDatabase } from './support/database';

describe('Audit chains', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  const record = (i: number, entityType = 'test') =>
    t.dataSource.transaction((em) =>
      t.app.get(AuditService).record(em, null, {
        action: 'test.concurrent',
        entityType,
        entityId: String(i),
        after: { i, amountCents: 1000n },
      }),
    );

  it('stay linear and verifiable when 200 transactions write events at once, spread over several chains; a rolled-back one leaves nothing', async () => {
    const audit = t.app.get(AuditService);
    const before = await verifyAuditChain(t.dataSource);
    expect(before.ok).toBe(true);
    await Promise.all(Array.from({ length: 200 }, (_, i) => record(i)));
    await expect(
      t.dataSource.transaction(async (em) => {
        await audit.record(em, null, { action: 'test.rolled_back', entityType: 'test' });
        throw new Error('business rule refused');
      }),
    ).rejects.toThrow('business rule refused');

    const result = await verifyAuditChain(t.dataSource, 37);
    expect(result).toEqual({ ok: true, checked: before.checked + 200 });
    const [{ n, chains }] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE action = 'test.rolled_back')::int AS n,
              count(DISTINCT chain) FILTER (WHERE action = 'test.concurrent')::int AS chains
         FROM audit_event`,
    );
    expect(n).toBe(0);
    expect(chains).toBeGreaterThan(16); // 200 transactions over 64 chains
    // Each head holds its chain's count and last hash.
    const heads = await t.dataSource.query(
      `SELECT h.id FROM audit_chain h
         LEFT JOIN LATERAL (SELECT count(*) AS n, max(seq) AS last FROM audit_event WHERE chain = h.id) e ON true
        WHERE h.seq <> e.n OR h.seq <> coalesce(e.last, 0)
           OR h.head_hash <> coalesce((SELECT hash FROM audit_event WHERE chain = h.id AND seq = h.seq), repeat('0', 64))`,
    );
    expect(heads).toEqual([]);
    const [{ amount }] = await t.dataSource.query(
      `SELECT after->>'amountCents' AS amount FROM audit_event WHERE action = 'test.concurrent' LIMIT 1`,
    );
    expect(amount).toBe('1000');
  });

  it('put all the events of one transaction in one chain, one after the other', async () => {
    await t.dataSource.transaction(async (em) => {
      for (let i = 0; i < 3; i++) {
        await t.app
          .get(AuditService)
          .record(em, null, { action: 'test.batch', entityType: `kind${i}`, entityId: String(i) });
      }
    });
    const rows: { chain: number; seq: string }[] = await t.dataSource.query(
      `SELECT chain, seq::text FROM audit_event WHERE action = 'test.batch' ORDER BY id`,
    );
    expect(new Set(rows.map((r) => r.chain)).size).toBe(1);
    expect(rows.map((r) => BigInt(r.seq) - BigInt(rows[0].seq))).toEqual([0n, 1n, 2n]);
  });

  it('refuse any change to a chain head but the trigger’s one step', async () => {
    await expect(
      t.dataSource.query(`UPDATE audit_chain SET seq = seq - 1 WHERE id = 0`),
    ).rejects.toThrow(/only grows by one event/);
    // One step, but not from an audit event: refused too (the head would name no event).
    await expect(
      t.dataSource.query(
        `UPDATE audit_chain SET seq = seq + 1, head_hash = repeat('f', 64) WHERE id = 0`,
      ),
    ).rejects.toThrow(/only grows by one event/);
    await expect(t.dataSource.query(`DELETE FROM audit_chain WHERE id = 1`)).rejects.toThrow(
      /forbidden/,
    );
    await expect(t.dataSource.query(`TRUNCATE audit_chain CASCADE`)).rejects.toThrow(/forbidden/);
  });

  /**
   * A privileged attacker turns the guards off and edits history; verification, on the same
   * connection before the edit is rolled back (so each case starts from an intact record), names
   * the event.
   */
  async function tampered(sql: string): Promise<ReturnType<typeof verifyAuditChain>> {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE audit_event DISABLE TRIGGER USER`);
      await c.query(`ALTER TABLE audit_chain DISABLE TRIGGER USER`);
      await c.query(sql);
      const onThisConnection: Queryable = {
        query: (async (text: string, params?: unknown[]) =>
          (await c.query(text, params)).rows) as Queryable['query'],
      };
      return await verifyAuditChain(onThisConnection);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  }

  const eventAt = async (chain: number, seq: string) =>
    (
      await t.dataSource.query(`SELECT id::text FROM audit_event WHERE chain = $1 AND seq = $2`, [
        chain,
        seq,
      ])
    )[0].id as string;

  it('name a deleted event, a deleted last event, an inserted event and a changed one', async () => {
    const [busy]: { id: number; seq: string }[] = await t.dataSource.query(
      `SELECT id, seq::text FROM audit_chain WHERE seq >= 3 ORDER BY seq DESC LIMIT 1`,
    );
    const middle = (BigInt(busy.seq) - 1n).toString();
    const afterMiddle = await eventAt(busy.id, busy.seq);
    const beforeLast = await eventAt(busy.id, middle);

    // Deleted in the middle: the next event is named.
    expect(
      await tampered(`DELETE FROM audit_event WHERE chain = ${busy.id} AND seq = ${middle}`),
    ).toMatchObject({
      ok: false,
      firstBadId: afterMiddle,
      chain: busy.id,
      reason: expect.stringMatching(/1 event\(s\) missing before this one/),
    });
    // Deleted at the end, the head left as it was.
    expect(
      await tampered(`DELETE FROM audit_event WHERE chain = ${busy.id} AND seq = ${busy.seq}`),
    ).toMatchObject({
      ok: false,
      firstBadId: beforeLast,
      chain: busy.id,
      reason: expect.stringMatching(/its last events are missing/),
    });
    // Inserted in the middle (the numbers after it shifted) with a made-up hash.
    const inserted = await tampered(`
      UPDATE audit_event SET seq = seq + 1 WHERE chain = ${busy.id} AND seq >= ${busy.seq};
      INSERT INTO audit_event (id, chain, seq, action, entity_type, prev_hash, hash)
        VALUES (nextval(pg_get_serial_sequence('audit_event', 'id')), ${busy.id}, ${busy.seq}, 'forged', 'test', repeat('a', 64), repeat('b', 64));
      UPDATE audit_chain SET seq = seq + 1 WHERE id = ${busy.id};`);
    expect(inserted).toMatchObject({
      ok: false,
      reason: 'prev_hash does not match the previous row',
      chain: busy.id,
    });
    // The forged event: its id was drawn after every real one.
    const [{ highest }] = await t.dataSource.query(
      `SELECT max(id)::text AS highest FROM audit_event`,
    );
    expect(BigInt(inserted.firstBadId!)).toBeGreaterThan(BigInt(highest));
    // Appended beyond the head.
    const appended = await tampered(`
      INSERT INTO audit_event (id, chain, seq, action, entity_type, prev_hash, hash)
        VALUES (nextval(pg_get_serial_sequence('audit_event', 'id')), ${busy.id}, ${BigInt(busy.seq) + 1n}, 'forged', 'test', repeat('a', 64), repeat('b', 64))`);
    expect(appended).toMatchObject({
      ok: false,
      chain: busy.id,
      reason: "numbered beyond its chain's head: inserted outside the chain",
    });
    // Changed content.
    expect(
      await tampered(
        `UPDATE audit_event SET after = '{"i": 999}' WHERE chain = ${busy.id} AND seq = ${middle}`,
      ),
    ).toMatchObject({
      ok: false,
      firstBadId: beforeLast,
      reason: 'hash does not match the row content',
    });
    // Changed content and its hash recomputed: the next event's link breaks.
    expect(
      await tampered(`
        UPDATE audit_event e SET after = '{"i": 999}' WHERE chain = ${busy.id} AND seq = ${middle};
        UPDATE audit_event e SET hash = encode(sha256(convert_to(audit_event_canonical(e), 'UTF8')), 'hex')
          WHERE chain = ${busy.id} AND seq = ${middle};`),
    ).toMatchObject({
      ok: false,
      firstBadId: afterMiddle,
      reason: 'prev_hash does not match the previous row',
    });
    // And the record itself is untouched.
    expect(await verifyAuditChain(t.dataSource)).toMatchObject({ ok: true });
  });

  it('keep the history written before the chains existed: it becomes chain 0, intact, and goes on', async () => {
    const ds = new DataSource(dataSourceOptions(await createTestDatabase('pre_chains'), ENTITIES));
    await ds.initialize();
    try {
      await runMigrations(ds);
      const applied = async () =>
        (await ds.query(`SELECT name FROM typeorm_migration`)).map((r: { name: string }) => r.name);
      while ((await applied()).some((n: string) => n.startsWith('AuditChains'))) {
        await ds.undoLastMigration({ transaction: 'each' });
      }
      // The single chain of before: 30 events, linked by the old trigger.
      for (let i = 0; i < 30; i++) {
        await ds.query(
          `INSERT INTO audit_event (action, entity_type, entity_id, after, prev_hash, hash) VALUES ('test.old', 'test', $1, $2, '', '')`,
          [String(i), JSON.stringify({ i })],
        );
      }
      await runMigrations(ds);
      expect(await verifyAuditChain(ds)).toEqual({ ok: true, checked: 30 });
      const [zero] = await ds.query(`SELECT seq::int AS seq FROM audit_chain WHERE id = 0`);
      expect(zero.seq).toBe(30);
      for (let i = 0; i < 70; i++) {
        await ds.query(
          `INSERT INTO audit_event (action, entity_type, after, prev_hash, hash) VALUES ('test.new', 'test', '{}', '', '')`,
        );
      }
      expect(await verifyAuditChain(ds, 7)).toEqual({ ok: true, checked: 100 });
    } finally {
      await ds.destroy();
    }
  });
});
