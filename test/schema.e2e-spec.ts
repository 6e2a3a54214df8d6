import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { runMigrations } from '../src/database/migrate';
import { renderDatabaseRules } from '../src/database/schema/database-rules';
import { ENTITIES } from '../src/entities';
import { createTestDatabase } from './support/database';

describe('Schema: entities and migrations agree', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions(await createTestDatabase('schema'), ENTITIES));
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  it('applies every migration on an empty database, then finds nothing to generate', async () => {
    const applied = await runMigrations(ds);
    expect(applied.length).toBeGreaterThan(0);
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has the functions and triggers that src/database/schema/rules.sql shows', async () => {
    const file = join(__dirname, '..', 'src', 'database', 'schema', 'rules.sql');
    const rendered = await renderDatabaseRules(ds);
    if (process.env.UPDATE_DATABASE_RULES === '1') writeFileSync(file, rendered);
    expect(rendered).toBe(readFileSync(file, 'utf8'));
    // the rules a newcomer looks for are there
    for (const rule of [
      'trg_statement_line_immutable',
      'audit_event_chain',
      'trg_redemption_line_booklet_active',
      'trg_booklet_guard',
      'payment_batch_guard',
    ])
      expect(rendered).toContain(rule);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await runMigrations(ds)).toEqual([]);
  });

  it('reverts every migration cleanly and re-applies them', async () => {
    const count = ds.migrations.length;
    for (let i = 0; i < count; i++) await ds.undoLastMigration({ transaction: 'each' });
    const tables = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migration'`,
    );
    expect(tables).toEqual([]);
    expect((await runMigrations(ds)).length).toBe(count);
  });

  it('two instances migrating at once apply each migration once', async () => {
    const url = await createTestDatabase('race');
    const a = await new DataSource(dataSourceOptions(url, ENTITIES)).initialize();
    const b = await new DataSource(dataSourceOptions(url, ENTITIES)).initialize();
    try {
      const [ra, rb] = await Promise.all([runMigrations(a), runMigrations(b)]);
      expect(ra.length + rb.length).toBe(a.migrations.length);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});
