import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Each table has one owning feature, the folder of its entity; only that folder's code writes it
 * (INSERT, UPDATE, DELETE in SQL, or the ORM's save/insert/update/delete on its entity). Other
 * features call the owner's service. Reads across features (joins for rules and reports) are
 * allowed. The import direction itself is checked by dependency-cruiser in `npm run lint`.
 */
const SRC = join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const feature = (file: string) => relative(SRC, file).split('/')[0];

/** table → owning folder, and entity class → table, from the @Entity declarations. */
function ownership() {
  const owner = new Map<string, string>();
  const tableOf = new Map<string, string>();
  for (const file of files(SRC).filter((f) => f.endsWith('.entity.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/@Entity\('(\w+)'\)/g)) {
      const cls = /export class (\w+)/.exec(text.slice(m.index))!;
      owner.set(m[1], feature(file));
      tableOf.set(cls[1], m[1]);
    }
  }
  return { owner, tableOf };
}

/** Every write a file makes: [table, how]. */
function writes(text: string, tableOf: Map<string, string>): [string, string][] {
  const found: [string, string][] = [];
  for (const m of text.matchAll(/\b(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?/g))
    found.push([m[2], `${m[1]} ${m[2]}`]);
  for (const m of text.matchAll(/\bem\.(save|insert|update|delete|remove)\(\s*(\w+)/g)) {
    const table = tableOf.get(m[2]);
    if (table) found.push([table, `em.${m[1]}(${m[2]}`]);
  }
  for (const m of text.matchAll(
    /getRepository\((\w+)\)\s*\.(save|insert|update|delete|remove)\(/g,
  )) {
    const table = tableOf.get(m[1]);
    if (table) found.push([table, `getRepository(${m[1]}).${m[2]}`]);
  }
  return found;
}

describe('Architecture: one owner per table', () => {
  const { owner, tableOf } = ownership();

  it('knows every table of the entities', () => {
    expect(owner.size).toBeGreaterThanOrEqual(25);
    expect(owner.get('redemption')).toBe('redemptions');
    expect(owner.get('cheque')).toBe('booklets');
  });

  it('finds writes the way this test reads them (so it can fail)', () => {
    const sample =
      'await em.query(`UPDATE redemption SET claim_id = $1`); await em.save(Claim, x);';
    expect(writes(sample, new Map([['Claim', 'claim']]))).toEqual([
      ['redemption', 'UPDATE redemption'],
      ['claim', 'em.save(Claim'],
    ]);
  });

  it('lets only the owning feature write a table', () => {
    const foreign: string[] = [];
    for (const file of files(SRC)) {
      const here = feature(file);
      for (const [table, how] of writes(readFileSync(file, 'utf8'), tableOf)) {
        const own = owner.get(table);
        if (own && own !== here) foreign.push(`${relative(SRC, file)}: ${how} (owned by ${own}/)`);
      }
    }
    expect(foreign).toEqual([]);
  });
});

describe('Architecture: errors come from the catalogues', () => {
  it('builds no DomainError by hand outside common/errors and the error classes', () => {
    const outside = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith('common/errors/'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/new (DomainError|ConflictError)\(/g)].map(
          (m) => `${relative(SRC, f)}: new ${m[1]}(`,
        ),
      );
    expect(outside).toEqual([]);
  });
});
