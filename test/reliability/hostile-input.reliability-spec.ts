import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TestApp } from '../support/app';
import { createAssociation, createProgramme, issueBooklet } from '../support/factories';
import { sql } from './support';

const SEED = Number(process.env.HOSTILE_SEED ?? 20261126);
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_RUNS ?? 12);

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  nullable?: boolean;
}
interface Operation {
  method: string;
  path: string;
  roles: string[];
  body?: Schema;
}

const NASTY_STRINGS = [
  "' OR 1=1 --",
  "'; DROP TABLE cheque; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\u202e\u0000\uffff',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'x'.repeat(1_000_000),
];
const NASTY_NUMBERS = [-1, -(2 ** 63), 2 ** 63, 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER + 2];
const NASTY_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  '..',
  '%00',
  "1'%20OR%20'1'='1",
  '%3Cscript%3E',
  '-1',
  '1e309',
  'x'.repeat(5000),
  '00000000-0000-0000-0000-000000000000',
];

/**
 * Hostile input generated from the OpenAPI document: for every operation, a body built from its
 * schema, then broken by one or more mutations (wrong types, missing and extra fields, 1 MB
 * strings, huge arrays, negative and overflowing numbers, SQL and HTML metacharacters), plus raw
 * bodies (invalid UTF-8, over the size limit, wrong content type, deep nesting) and hostile path
 * ids and query strings. Every answer must be < 500; every refusal a problem+json that changed
 * nothing in the database. fast-check seed: HOSTILE_SEED (printed on failure).
 */
describe('Hostile input on every operation', () => {
  let t: TestApp;
  let ops: Operation[];
  let components: Record<string, Schema>;
  /** Every code of the OpenAPI document's error catalogue: a refusal must use one of them. */
  let catalogue: Set<string>;
  const tokens: Record<string, string> = {};
  let realIds: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOGIN_RATE_LIMIT_PER_IP: '1000000',
        LOGIN_RATE_LIMIT_PER_EMAIL: '1000000',
        LOOKUP_FAILURE_LIMIT: '1000000',
        PUBLIC_CHECK_LIMIT: '1000000',
      },
    });
    tokens.ADMIN = await t.adminToken();
    const programme = await createProgramme(t);
    const association = await createAssociation(t);
    tokens.ASSOCIATION = (
      await t.userToken('ASSOCIATION', { associationId: association.id })
    ).token;
    const booklet = await issueBooklet(t, programme.id);
    realIds = { programme: programme.id, booklet: booklet.id, code: booklet.cheques[0].code };
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            'x-roles': string[];
            requestBody?: { content: Record<string, { schema: Schema }> };
          }
        >
      >;
      components: { schemas: Record<string, Schema> };
      'x-error-catalogue': { code: string }[];
    };
    components = doc.components.schemas;
    catalogue = new Set(doc['x-error-catalogue'].map((e) => e.code));
    ops = Object.entries(doc.paths).flatMap(([path, m]) =>
      Object.entries(m).map(([method, op]) => ({
        method,
        path,
        roles: op['x-roles'],
        body: op.requestBody?.content['application/json']?.schema,
      })),
    );
  });
  afterAll(() => t.close());

  const resolve = (s: Schema): Schema =>
    s.$ref ? resolve(components[s.$ref.split('/').pop()!]) : s;

  /** A plausible value for a schema: the starting point the mutations break. */
  function valueOf(s: Schema, depth = 0): fc.Arbitrary<unknown> {
    const schema = resolve(s);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'integer':
        return fc.integer({ min: 0, max: 100_000 });
      case 'number':
        return fc.double({ min: 0, max: 1e6, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return depth > 3
          ? fc.constant([])
          : fc.array(valueOf(schema.items ?? { type: 'string' }, depth + 1), { maxLength: 3 });
      case 'object': {
        if (!schema.properties || depth > 3) return fc.constant({});
        const entries = Object.entries(schema.properties).map(
          ([k, v]) => [k, valueOf(v, depth + 1)] as const,
        );
        return fc.record(Object.fromEntries(entries), {
          requiredKeys: schema.required ?? [],
        });
      }
      default:
        if (schema.format === 'date') return fc.constant('2026-06-15');
        if (schema.format === 'uuid') return fc.constant(randomUUID());
        if (schema.format === 'email') return fc.constant('someone@example.fr');
        return fc.string({ maxLength: 30 });
    }
  }

  type Mutation = (body: Record<string, unknown>, schema: Schema) => unknown;
  const fieldOf = (body: Record<string, unknown>, schema: Schema, pick: number) => {
    const keys = Object.keys(resolve(schema).properties ?? {});
    return keys.length ? keys[pick % keys.length] : 'unexpected';
  };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc
      .tuple(fc.nat(), fc.constantFrom<unknown>(null, 42, true, 'text', [], {}, [[[]]]))
      .map(([pick, wrong]): Mutation => (b, s) => ({ ...b, [fieldOf(b, s, pick)]: wrong })),
    fc.nat().map((pick): Mutation => (b, s) => {
      const copy = { ...b };
      const required = resolve(s).required ?? [];
      delete copy[required.length ? required[pick % required.length] : fieldOf(b, s, pick)];
      return copy;
    }),
    fc.constantFrom<Mutation>(
      (b) => ({ ...b, isAdmin: true }),
      (b) => ({ ...b, role: 'ADMIN', associationId: randomUUID() }),
      (b) => Object.assign(JSON.parse('{"__proto__": {"polluted": true}}') as object, b),
    ),
    fc
      .tuple(fc.nat(), fc.constantFrom(...NASTY_STRINGS))
      .map(([pick, nasty]): Mutation => (b, s) => ({ ...b, [fieldOf(b, s, pick)]: nasty })),
    fc
      .tuple(fc.nat(), fc.constantFrom(...NASTY_NUMBERS))
      .map(([pick, n]): Mutation => (b, s) => ({ ...b, [fieldOf(b, s, pick)]: n })),
    fc.tuple(fc.nat(), fc.constantFrom(1000, 100_000)).map(([pick, n]): Mutation => (b, s) => ({
      ...b,
      [fieldOf(b, s, pick)]: Array.from({ length: n }, (_, i) => `x${i}`),
    })),
    fc.constantFrom<Mutation>(
      () => [],
      () => 'a string',
      () => 12,
      () => null,
    ),
  );

  /** Raw bodies the JSON layer itself must refuse. */
  const RAW: { type: string; body: Buffer | string }[] = [
    {
      type: 'application/json',
      body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    },
    { type: 'application/json', body: Buffer.from('{"name": "\\ud800"}') },
    { type: 'application/json', body: `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}` },
    { type: 'application/json', body: '{"a": ' },
    { type: 'application/json', body: '['.repeat(100_000) + ']'.repeat(100_000) },
    { type: 'text/plain', body: 'hello' },
    {
      type: 'application/xml',
      body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    },
    { type: 'application/x-www-form-urlencoded', body: 'a=1&a=2&__proto__[x]=1' },
  ];

  async function fingerprint(): Promise<string> {
    const [{ h }] = await sql<{ h: string }>(
      t.databaseUrl,
      `SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) AS h FROM (
         SELECT row_to_json(a)::text AS x FROM programme a UNION ALL SELECT row_to_json(a)::text FROM association a
         UNION ALL SELECT row_to_json(a)::text FROM accreditation a UNION ALL SELECT row_to_json(a)::text FROM app_user a
         UNION ALL SELECT row_to_json(a)::text FROM beneficiary a UNION ALL SELECT row_to_json(a)::text FROM booklet a
         UNION ALL SELECT row_to_json(a)::text FROM cheque a UNION ALL SELECT row_to_json(a)::text FROM print_batch a
         UNION ALL SELECT row_to_json(a)::text FROM redemption a UNION ALL SELECT row_to_json(a)::text FROM redemption_line a
         UNION ALL SELECT row_to_json(a)::text FROM claim a UNION ALL SELECT row_to_json(a)::text FROM statement a
         UNION ALL SELECT row_to_json(a)::text FROM statement_line a) s`,
    );
    return h;
  }

  const tokenFor = (op: Operation) =>
    op.roles.includes('ADMIN')
      ? tokens.ADMIN
      : op.roles.includes('ASSOCIATION')
        ? tokens.ASSOCIATION
        : undefined;

  let calls = 0;
  const statuses = new Map<number, number>();
  async function send(
    op: Operation,
    path: string,
    body?: { type: string; payload: Buffer | string },
  ): Promise<string | null> {
    const before = await fingerprint();
    let req = (request(t.http) as unknown as Record<string, (u: string) => request.Test>)[
      op.method
    ](path);
    const token = tokenFor(op);
    if (token) req = req.set('Authorization', `Bearer ${token}`);
    req = req.set('Idempotency-Key', randomUUID());
    if (body) req = req.set('Content-Type', body.type).send(body.payload);
    const res = await req;
    calls++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `${op.method.toUpperCase()} ${path.slice(0, 100)} ${String(body?.payload ?? '').slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;
    if (res.status >= 500) return `server error: ${what}`;
    if (res.status >= 400) {
      if (!String(res.headers['content-type']).startsWith('application/problem+json'))
        return `not problem+json: ${what}`;
      if (typeof res.body.code !== 'string') return `no code: ${what}`;
      if (!catalogue.has(res.body.code)) return `code not in the error catalogue: ${what}`;
      if ((await fingerprint()) !== before) return `refused but wrote: ${what}`;
    }
    return null;
  }

  const pathFor = (op: Operation, id?: string) =>
    op.path.replace(
      /\{(\w+)\}/g,
      (_, name: string) =>
        id ??
        (name === 'code'
          ? realIds.code
          : op.path.includes('booklets')
            ? realIds.booklet
            : realIds.programme),
    );
  // Logout would end the sessions the sweep uses; it takes no input.
  const swept = () => ops.filter((o) => o.path !== '/api/auth/logout');

  it('generated bodies: always < 500, refusals are problem+json and write nothing', async () => {
    const failures: string[] = [];
    for (const op of swept().filter((o) => o.method !== 'get')) {
      const schema = op.body ?? { type: 'object', properties: {} };
      await fc
        .assert(
          fc.asyncProperty(
            valueOf(schema).filter((v) => typeof v === 'object' && v !== null),
            fc.array(mutation, { minLength: 1, maxLength: 3 }),
            async (start, mutations) => {
              let body: unknown = start;
              for (const m of mutations)
                body =
                  typeof body === 'object' && body !== null && !Array.isArray(body)
                    ? m(body as Record<string, unknown>, schema)
                    : body;
              const failure = await send(op, pathFor(op), {
                type: 'application/json',
                payload: JSON.stringify(body) ?? 'null',
              });
              if (failure) failures.push(failure);
              return failure === null;
            },
          ),
          { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
        )
        .catch((err: Error) =>
          failures.push(
            `${op.method} ${op.path}: ${err.message.split('\n').slice(0, 12).join(' | ')} (seed ${SEED})`,
          ),
        );
    }
    expect(failures).toEqual([]);
  });

  it('raw bodies, hostile ids and query strings: always < 500, refusals are problem+json and write nothing', async () => {
    const failures: string[] = [];
    for (const op of swept()) {
      if (op.method !== 'get')
        for (const raw of RAW) {
          const f = await send(op, pathFor(op), { type: raw.type, payload: raw.body });
          if (f) failures.push(f);
        }
      if (op.path.includes('{'))
        for (const id of NASTY_IDS) {
          const f = await send(
            op,
            pathFor(op, id),
            op.method === 'get' ? undefined : { type: 'application/json', payload: '{}' },
          );
          if (f) failures.push(f);
        }
      if (op.method === 'get') {
        const f = await send(
          op,
          `${pathFor(op)}?page=-1&pageSize=1e12&from=2026-02-30&to=x&status[]=x&associationId=..%2F&q=${encodeURIComponent("' OR 1=1 --")}&limit=${'9'.repeat(400)}`,
        );
        if (f) failures.push(f);
      }
    }
    expect(failures).toEqual([]);
    process.stdout.write(
      `hostile input: ${calls} calls, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
  });
});
