import fc from 'fast-check';
import { ALPHABET, CODE_LENGTH } from '../../src/booklets/codes/cheque-code';
import { ServiceProcess } from '../support/service-process';
import { api, BenchWorld, benchWorld } from '../support/world';
import { chequeCodes, freshDatabase, redeem, sql, startCompiled, suiteEnv } from './support';

const SEED = 20261126;
const BASE = 'https://pass.example.fr';
const LIMIT = 400;

/** Crockford's mod-37 check character of 13 data characters, or null for the five extra symbols. */
function checkChar(data: string): string | null {
  let value = 0n;
  for (const c of data) value = (value << 5n) | BigInt(ALPHABET.indexOf(c));
  const check = Number(value % 37n);
  return check < 32 ? ALPHABET[check] : null;
}

/**
 * Forged codes against the real service: generated with fast-check (fixed seed, printed on
 * failure), sent to the association's check and redeem endpoints and to the public page.
 */
describe('Forged codes and lookup limits', () => {
  let service: ServiceProcess;
  let db: string;
  let world: BenchWorld;
  let real: string[];

  beforeAll(async () => {
    db = await freshDatabase();
    service = await startCompiled(
      suiteEnv(db, { PUBLIC_BASE_URL: BASE, LOOKUP_FAILURE_LIMIT: String(LIMIT) }),
    );
    world = await benchWorld(service.url, 3);
    real = await chequeCodes(db, world.programmeId);
  });
  afterAll(() => service?.stop());

  const check = async (input: string) => {
    const res = await fetch(`${service.url}/api/cheques/${encodeURIComponent(input)}/check`, {
      headers: { authorization: `Bearer ${world.staff}` },
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as { code?: string; status?: string },
    };
  };
  const dataChar = fc.constantFrom(...ALPHABET);

  it('right shape, wrong check character → 422 CODE_CHECK_FAILED; right check character, unknown → 404 CHEQUE_UNKNOWN', async () => {
    const forged = fc
      .tuple(fc.array(dataChar, { minLength: 13, maxLength: 13 }), dataChar)
      .map(([chars, other]) => {
        const data = chars.join('');
        return { data, right: checkChar(data), other };
      })
      .filter((f) => f.right !== null);
    await fc.assert(
      fc.asyncProperty(forged, async ({ data, right, other }) => {
        const wrong = other === right ? ALPHABET[(ALPHABET.indexOf(other) + 1) % 32] : other;
        const a = await check(data + wrong);
        expect([a.status, a.body.code]).toEqual([422, 'CODE_CHECK_FAILED']);
        const b = await check(data + right);
        expect([b.status, b.body.code]).toEqual([404, 'CHEQUE_UNKNOWN']);
      }),
      { seed: SEED, numRuns: 60, verbose: true },
    );
  });

  it('one wrong character or two swapped neighbours in a real code → CODE_CHECK_FAILED, never another cheque', async () => {
    const typo = fc.record({
      which: fc.nat({ max: real.length - 1 }),
      at: fc.nat({ max: CODE_LENGTH - 1 }),
      by: dataChar,
      swap: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(typo, async ({ which, at, by, swap }) => {
        const code = real[which];
        const chars = [...code];
        if (swap && at < CODE_LENGTH - 1) [chars[at], chars[at + 1]] = [chars[at + 1], chars[at]];
        else chars[at] = by;
        const typed = chars.join('');
        fc.pre(typed !== code);
        const res = await check(typed);
        expect([res.status, res.body.code]).toEqual([422, 'CODE_CHECK_FAILED']);
      }),
      { seed: SEED, numRuns: 80, verbose: true },
    );
  });

  it('QR URLs from another host are refused as CODE_MALFORMED; this host’s URL is read', async () => {
    const code = real[0];
    const foreign = [
      `https://evil.example/c/${code}`,
      `http://pass.example.fr/c/${code}`,
      `https://pass.example.fr.evil.example/c/${code}`,
      `https://pass.example.fr@evil.example/c/${code}`,
      `https://pass.example.fr:8443/c/${code}`,
      `https://pass.example.fr/x/c/${code}`,
      `javascript://pass.example.fr/c/${code}`,
    ];
    for (const url of foreign) {
      const res = await redeem(service.url, world.staff, [url]);
      expect([
        url,
        res.status,
        res.body.code,
        (res.body.cheques as { refusal: string }[])[0].refusal,
      ]).toEqual([url, 400, 'CODE_MALFORMED', 'CODE_MALFORMED']);
    }
    expect((await check(`${BASE}/c/${code}`)).body.status).toBe('REDEEMABLE');
    const [{ n }] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM redemption`);
    expect(n).toBe(0);
  });

  it('after the failed-lookup limit: 429 with Retry-After on check and redeem, audited with what was tried', async () => {
    await sql(db, `DELETE FROM rate_limit_counter`);
    let failures = 0;
    let res = await check('0000-0000-0000-00');
    while (res.status === 404 && failures < LIMIT + 5) {
      failures++;
      res = await check('0000-0000-0000-00');
    }
    expect(failures).toBe(LIMIT);
    expect([res.status, res.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    const blocked = await redeem(service.url, world.staff, [real[1]]);
    expect(blocked.status).toBe(429);
    const events = await api<{ total: number; items: { after: unknown }[] }>(
      service.url,
      '/api/audit?action=cheque.lookup_rate_limited',
      world.admin,
    );
    expect(events.total).toBeGreaterThan(0);
    expect(JSON.stringify(events.items)).toContain('0000-0000-0000-00');
  });
});
