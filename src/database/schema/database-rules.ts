import type { DataSource } from 'typeorm';

/**
 * The rules the database enforces by itself, as the migrations left them: every function and
 * trigger of the public schema, rendered as SQL. `rules.sql` beside this file is that rendering,
 * so the current definition of each rule is readable in one place (the migrations only show how
 * it came to be); test/schema.e2e-spec.ts fails when the migrated database and the file disagree
 * (UPDATE_DATABASE_RULES=1 rewrites the file after a migration changed a rule).
 */
export async function renderDatabaseRules(ds: DataSource): Promise<string> {
  const functions = await ds.query<{ name: string; definition: string }[]>(
    `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
      ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
  );
  const triggers = await ds.query<{ table: string; name: string; definition: string }[]>(
    `SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal
      ORDER BY c.relname, t.tgname`,
  );
  const out = [
    '-- The functions and triggers of the database, as the migrations leave them.',
    '-- Generated from a migrated database; checked by test/schema.e2e-spec.ts.',
    '-- After a migration changes one: UPDATE_DATABASE_RULES=1 npx jest test/schema.e2e-spec.ts',
    '',
    '-- ==== Functions ====',
    '',
  ];
  for (const f of functions) out.push(`-- ${f.name}`, `${f.definition.trim()};`, '');
  out.push('-- ==== Triggers ====', '');
  let table = '';
  for (const t of triggers) {
    if (t.table !== table) out.push(`-- on ${t.table}`);
    table = t.table;
    out.push(`${t.definition};`);
  }
  return `${out.join('\n')}\n`;
}
