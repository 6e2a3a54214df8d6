import { AuditService } from '../src/audit/audit.service';
import { verifyAuditChain } from '../src/audit/audit-verify';
import { createTestApp, TestApp } from './support/app';

describe('Audit chain under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('stays linear and verifiable when 200 transactions write events at once, and a rolled-back one leaves nothing', async () => {
    const audit = t.app.get(AuditService);
    const before = await verifyAuditChain(t.dataSource);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.dataSource.transaction((em) =>
          audit.record(em, null, {
            action: 'test.concurrent',
            entityType: 'test',
            entityId: String(i),
            after: { i, amountCents: 1000n },
          }),
        ),
      ),
    );
    await expect(
      t.dataSource.transaction(async (em) => {
        await audit.record(em, null, { action: 'test.rolled_back', entityType: 'test' });
        throw new Error('business rule refused');
      }),
    ).rejects.toThrow('business rule refused');

    const result = await verifyAuditChain(t.dataSource, 37);
    expect(result).toEqual({ ok: true, checked: before.checked + 200 });
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'test.rolled_back'`,
    );
    expect(n).toBe(0);
    const [{ amount }] = await t.dataSource.query(
      `SELECT after->>'amountCents' AS amount FROM audit_event WHERE action = 'test.concurrent' LIMIT 1`,
    );
    expect(amount).toBe('1000');
  });
});
