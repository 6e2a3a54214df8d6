import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCREDITATION_ACTIONS } from '../associations/accreditation.entity';
import { AUDIT_ACTIONS, AUDIT_ENTITIES, auditChanges } from './audit-labels';

const SRC = join(__dirname, '..');
const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.startsWith('web'))
  .map((f) => readFileSync(join(SRC, f), 'utf8'));

describe('the journal in French', () => {
  it('names every action the code records', () => {
    const prefixes = [...Object.keys(AUDIT_ENTITIES), 'auth', 'statements', 'stock'].join('|');
    const literal = new RegExp(`'((?:${prefixes})\\.[a-z_]+)'`, 'g');
    const recorded = new Set(sources.flatMap((s) => [...s.matchAll(literal)].map((m) => m[1])));
    // field paths of the same form, not actions
    recorded.delete('beneficiary.reference');
    for (const a of ACCREDITATION_ACTIONS) recorded.add(`accreditation.${a.toLowerCase()}`);
    expect(recorded.size).toBeGreaterThan(40);
    expect([...recorded].filter((a) => !Object.hasOwn(AUDIT_ACTIONS, a))).toEqual([]);
  });

  it('names every kind of object the code records', () => {
    const types = new Set(
      sources.flatMap((s) => [...s.matchAll(/entityType: '([a-z_]+)'/g)].map((m) => m[1])),
    );
    expect([...types].filter((t) => !Object.hasOwn(AUDIT_ENTITIES, t))).toEqual([]);
  });

  it('shows what changed, field by field', () => {
    expect(
      auditChanges({ status: 'ACTIVE', name: 'A', n: 1 }, { status: 'CANCELLED', name: 'A', n: 1 }),
    ).toEqual([{ field: 'status', before: 'ACTIVE', after: 'CANCELLED' }]);
    expect(auditChanges(null, { active: true, tags: ['x'] })).toEqual([
      { field: 'active', before: '', after: 'oui' },
      { field: 'tags', before: '', after: '["x"]' },
    ]);
  });
});
