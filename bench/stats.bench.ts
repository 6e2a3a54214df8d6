/**
 * npm run bench:stats — every impact indicator on a large programme: 100,000 booklets (1 million
 * cheques, 100,000 beneficiaries in 40 postal codes) and 300,000 one-cheque redemptions at 20
 * associations over a year, written straight in SQL. Each indicator is fetched through HTTP from
 * the compiled service (median of 5, after one warm-up), without filters and with a commune and
 * an age band. Goal: < 500 ms each.
 * Prints a JSON result line.
 */
import { Client } from 'pg';
import { INDICATORS } from '../src/stats/dto/stats.dto';
import { statsQuery } from '../src/stats/indicators.queries';
import { api, benchDatabase, benchEnv, benchWorld, median, startCompiledService } from './support';

const BOOKLETS = 100_000;
const ASSOCIATIONS = 20;

async function main(): Promise<void> {
  const db = await benchDatabase();
  const service = await startCompiledService(benchEnv(db.url));
  try {
    const { admin, staffUserId, programmeId, associationId } = await benchWorld(service.url, 0);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const started = Date.now();
    const [{ id: adminId }] = (
      await client.query(`SELECT id FROM app_user WHERE role = 'ADMIN' LIMIT 1`)
    ).rows as { id: string }[];
    await client.query(`
      INSERT INTO association (name, siret, address, postal_code, city, email, iban, activities)
      SELECT 'Structure ' || n, lpad(n::text, 14, '0'), '1 rue', '31000', 'Toulouse', 's' || n || '@bench.local',
             'FR7630006000011234567890189', '["Smartphone"]'::jsonb
        FROM generate_series(2, ${ASSOCIATIONS}) AS n`);
    await client.query(`
      INSERT INTO beneficiary (reference, postal_code, age_band, need_category)
      SELECT 'BEN-' || n, (31000 + (n % 40) * 10)::text,
             (ARRAY['UNDER_18','18_24','25_39','40_54','55_64','65_74','75_PLUS'])[1 + n % 7],
             (ARRAY['DEVICE_BASICS','ONLINE_PROCEDURES','EMPLOYMENT','SOCIAL_CONNECTION','OTHER'])[1 + n % 5]
        FROM generate_series(1, ${BOOKLETS}) AS n`);
    await client.query(
      `INSERT INTO booklet (number, programme_id, beneficiary_id, status, cheque_count, face_value_cents, issued_by, issued_at)
       SELECT 'BENCH-' || lpad(substr(b.reference, 5), 7, '0'), $1, b.id, 'ACTIVE', 10, 1000, $2,
              now() - make_interval(days => (substr(b.reference, 5)::int % 365))
         FROM beneficiary b`,
      [programmeId, adminId],
    );
    await client.query(`
      INSERT INTO cheque (booklet_id, position, code, face_value_cents, status)
      SELECT b.id, p, upper(substr(md5(b.id::text || p), 1, 14)), 1000, 'ISSUED'
        FROM booklet b CROSS JOIN generate_series(1, 10) AS p`);
    await client.query(
      `UPDATE programme SET committed_cents = (SELECT sum(cheque_count * face_value_cents) FROM booklet) WHERE id = $1`,
      [programmeId],
    );
    // 300,000 redemptions: the first three cheques of each booklet, some days after its issue.
    await client.query(
      `WITH targets AS (
         SELECT c.id AS cheque_id, row_number() OVER (ORDER BY c.booklet_id, c.position) AS n,
                (b.issued_at AT TIME ZONE 'Europe/Paris')::date AS issued_day
           FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE c.position <= 3),
       associations AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM association),
       r AS (
         INSERT INTO redemption (id, association_id, user_id, session_date, activity, workshop_price_cents, total_cents, cheque_count, status)
         SELECT gen_random_uuid(), a.id, $1, least(t.issued_day + (t.n % 60)::int, current_date),
                (ARRAY['Smartphone','Démarches administratives en ligne','Ordinateur'])[1 + t.n % 3],
                CASE WHEN t.n % 4 = 0 THEN NULL ELSE 500 + (t.n % 3) * 500 END, 1000, 1, 'ACTIVE'
           FROM targets t JOIN associations a ON a.k = t.n % ${ASSOCIATIONS}
         RETURNING id, session_date),
       numbered AS (SELECT id, row_number() OVER () AS n FROM r)
       INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active)
       SELECT numbered.id, targets.cheque_id, 1000, true FROM numbered JOIN targets USING (n)`,
      [staffUserId],
    );
    await client.query(`UPDATE cheque SET status = 'REDEEMED' WHERE position <= 3`);
    await client.query('VACUUM ANALYZE');
    const counts = (
      await client.query(
        `SELECT (SELECT count(*) FROM cheque)::int AS cheques, (SELECT count(*) FROM redemption)::int AS redemptions`,
      )
    ).rows[0] as { cheques: number; redemptions: number };
    if (process.env.BENCH_EXPLAIN) {
      for (const indicator of INDICATORS) {
        const { text, values } = statsQuery(indicator, { programmeId });
        await client.query(`SET work_mem = '128MB'`);
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        console.error(
          `--- ${indicator}\n${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}`,
        );
      }
    }
    await client.end();
    if (process.env.BENCH_KEEP) {
      console.error(`kept: ${db.url} programme ${programmeId}`);
      await new Promise((r) => process.once('SIGUSR2', r));
    }
    const setupMs = Date.now() - started;

    const measure = async (query: string) => {
      const out: Record<string, number> = {};
      for (const indicator of INDICATORS) {
        const path = `/api/stats/${indicator}?programmeId=${programmeId}${query}`;
        await api(service.url, path, admin);
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = process.hrtime.bigint();
          await api(service.url, path, admin);
          times.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        out[indicator] = Math.round(median(times));
      }
      return out;
    };
    const all = await measure('');
    const filtered = await measure('&postalCode=31100&ageBand=25_39');
    const byAssociation = await measure(`&associationId=${associationId}&activity=Smartphone`);
    console.log(
      JSON.stringify({
        bench: 'stats',
        ...counts,
        setupMs,
        msUnfiltered: all,
        msCommuneAndAge: filtered,
        msAssociationAndActivity: byAssociation,
      }),
    );
  } finally {
    await service.stop();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
