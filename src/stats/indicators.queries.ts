import { SqlWhere } from '../database/where';
import { Indicator, StatsQueryDto } from './dto/stats.dto';

/**
 * The indicators' definitions: their columns and the SQL aggregates that compute them, for a
 * request's filters (values are always parameters). The service runs them and masks small cells.
 */

export type Kind = 'text' | 'count' | 'cents' | 'percent' | 'days' | 'decimal' | 'month';
/** Which beneficiaries a cell is derived from: those whose booklets were issued, or those served. */
export type Population = 'issued' | 'served';
export const POPULATIONS: readonly Population[] = ['issued', 'served'];

export interface Column {
  key: string;
  label: string;
  kind: Kind;
  /**
   * The populations whose size decides whether the cell is masked (none: never masked); a rate of
   * redeemed over issued cheques depends on both, or it would give a masked count back.
   */
  population?: Population | Population[];
}

/** The populations of a column, as a list. */
export const populationsOf = (c: Column): Population[] =>
  c.population === undefined ? [] : Array.isArray(c.population) ? c.population : [c.population];

/** The categorical filters, with the column their groups are read from for each population. */
export const DIMENSIONS = {
  postalCode: { issued: 'ben.postal_code', served: 'ben.postal_code' },
  ageBand: { issued: 'ben.age_band', served: 'ben.age_band' },
  needCategory: { issued: 'ben.need_category', served: 'ben.need_category' },
  associationId: { issued: null, served: 'r.association_id::text' },
  activity: { issued: null, served: 'r.activity' },
} as const;
export type Dimension = keyof typeof DIMENSIONS;

/**
 * The filters that narrow a population to a group of people: for those issued a booklet, the
 * beneficiary's postal code, age band or need; for those served, also the association and the
 * workshop. Without any, an overview is the programme's totals (a period alone included), which
 * single nobody out.
 */
export function narrowingFilters(q: StatsQueryDto, population: Population): Dimension[] {
  return (Object.keys(DIMENSIONS) as Dimension[]).filter(
    (d) => q[d] !== undefined && DIMENSIONS[d][population] !== null,
  );
}

/**
 * The people of a programme in each group of one dimension (every postal code, every age band…),
 * issued or served, within the request's other filters and period: what an overview filtered on
 * one group is one row of. Its small-cell rule is decided over all these groups, so that asking
 * for each group in turn and subtracting gives nothing back either.
 */
export function populationByDimension(
  dimension: Dimension,
  population: Population,
  q: StatsQueryDto,
): { text: string; values: unknown[] } {
  const p = new SqlWhere();
  const where = [`b.programme_id = ${p.next(q.programmeId)}`];
  for (const other of narrowingFilters(q, population))
    if (other !== dimension)
      where.push(`${DIMENSIONS[other][population]} = ${p.next(String(q[other]))}`);
  const day = population === 'issued' ? ISSUED_DAY : 'r.session_date';
  if (q.from) where.push(`${day} >= ${p.next(q.from)}::date`);
  if (q.to) where.push(`${day} <= ${p.next(q.to)}::date`);
  const from =
    population === 'issued'
      ? `booklet b LEFT JOIN beneficiary ben ON ben.id = b.beneficiary_id`
      : `redemption r JOIN redemption_line l ON l.redemption_id = r.id AND l.active
         JOIN booklet b ON b.id = l.booklet_id LEFT JOIN beneficiary ben ON ben.id = b.beneficiary_id`;
  if (population === 'served') where.push(`r.status = 'ACTIVE'`);
  const text = `SELECT k, count(*)::int AS n FROM (
      SELECT ${DIMENSIONS[dimension][population]} AS k, ${PERSON} AS person FROM ${from}
       WHERE ${where.join(' AND ')} GROUP BY 1, 2) x
     WHERE k IS NOT NULL GROUP BY k ORDER BY k`;
  return { text, values: p.params };
}

interface Definition {
  columns: Column[];
  sql: (scope: Scope) => string;
}

/** The SQL fragments of one request's filters. */
interface Scope {
  /** CTE `bk`: the programme's booklets matching the beneficiary filters, with `in_period`. */
  booklets: string;
  /** Conditions on redemption `r` (association, activity, session dates). */
  redemptions: string;
  /** The same, for active redemptions only. */
  active: string;
  /** Redemption `r` has at least one active line on a booklet of the scope. */
  inScope: string;
  /** FROM clause joining active redemption lines to `bk` (aliases r, l, bk; no cheque read). */
  served: string;
  /**
   * The same lines without the redemptions when no filter needs them (an active line belongs to an
   * active redemption): alias l, bk, with `linesWhere` as condition.
   */
  lines: string;
  linesWhere: string;
}

/** One person: the beneficiary, or for anonymous booklets the booklet (a replacement counts as its original). */
const PERSON = 'coalesce(b.beneficiary_id, b.replaces_booklet_id, b.id)';
const ISSUED_DAY = "(b.issued_at AT TIME ZONE 'Europe/Paris')::date";

function scopeOf(q: StatsQueryDto, p: SqlWhere): Scope {
  const bookletWhere = [`b.programme_id = ${p.next(q.programmeId)}`];
  if (q.postalCode) bookletWhere.push(`ben.postal_code = ${p.next(q.postalCode)}`);
  if (q.ageBand) bookletWhere.push(`ben.age_band = ${p.next(q.ageBand)}`);
  if (q.needCategory) bookletWhere.push(`ben.need_category = ${p.next(q.needCategory)}`);
  const period: string[] = [];
  if (q.from) period.push(`${ISSUED_DAY} >= ${p.next(q.from)}::date`);
  if (q.to) period.push(`${ISSUED_DAY} <= ${p.next(q.to)}::date`);
  const redemptionWhere = ['true'];
  if (q.associationId) redemptionWhere.push(`r.association_id = ${p.next(q.associationId)}`);
  if (q.activity) redemptionWhere.push(`r.activity = ${p.next(q.activity)}`);
  if (q.from) redemptionWhere.push(`r.session_date >= ${p.next(q.from)}::date`);
  if (q.to) redemptionWhere.push(`r.session_date <= ${p.next(q.to)}::date`);
  const served = `redemption r
      JOIN redemption_line l ON l.redemption_id = r.id AND l.active
      JOIN bk ON bk.id = l.booklet_id`;
  const active = ["r.status = 'ACTIVE'", ...redemptionWhere].join(' AND ');
  return {
    booklets: `bk AS NOT MATERIALIZED (
      SELECT b.id, b.cheque_count, b.face_value_cents, b.status, ${PERSON} AS person,
             ${ISSUED_DAY} AS issued_day, ben.postal_code,
             ${period.length ? period.join(' AND ') : 'true'} AS in_period
        FROM booklet b LEFT JOIN beneficiary ben ON ben.id = b.beneficiary_id
       WHERE ${bookletWhere.join(' AND ')})`,
    redemptions: redemptionWhere.join(' AND '),
    active,
    inScope: `EXISTS (SELECT 1 FROM redemption_line l JOIN bk ON bk.id = l.booklet_id
                       WHERE l.redemption_id = r.id AND l.active)`,
    served,
    ...(redemptionWhere.length > 1
      ? { lines: served, linesWhere: active }
      : { lines: 'redemption_line l JOIN bk ON bk.id = l.booklet_id', linesWhere: 'l.active' }),
  };
}

/** Columns several indicators show, defined once. */
const COLUMNS = {
  bookletsIssued: {
    key: 'bookletsIssued',
    label: 'Carnets remis',
    kind: 'count',
    population: 'issued',
  },
  chequesIssued: {
    key: 'chequesIssued',
    label: 'Chèques émis',
    kind: 'count',
    population: 'issued',
  },
  workshops: { key: 'workshops', label: 'Ateliers', kind: 'count', population: 'served' },
  chequesRedeemed: {
    key: 'chequesRedeemed',
    label: 'Chèques encaissés',
    kind: 'count',
    population: 'served',
  },
  redeemedCents: {
    key: 'redeemedCents',
    label: 'Montant encaissé',
    kind: 'cents',
    population: 'served',
  },
  beneficiariesServed: {
    key: 'beneficiariesServed',
    label: 'Bénéficiaires servis',
    kind: 'count',
    population: 'served',
  },
} satisfies Record<string, Column>;

export const DEFINITIONS: Record<Indicator, Definition> = {
  overview: {
    columns: [
      COLUMNS.bookletsIssued,
      { key: 'beneficiaries', label: 'Bénéficiaires', kind: 'count', population: 'issued' },
      COLUMNS.chequesIssued,
      COLUMNS.chequesRedeemed,
      // issued − redeemed − cancelled: it would give a masked count of redeemed cheques back
      {
        key: 'chequesExpired',
        label: 'Chèques expirés',
        kind: 'count',
        population: ['issued', 'served'],
      },
      { key: 'chequesCancelled', label: 'Chèques annulés', kind: 'count', population: 'issued' },
      {
        key: 'redemptionRate',
        label: 'Taux d’utilisation des chèques émis (%)',
        kind: 'percent',
        population: ['issued', 'served'],
      },
      { key: 'committedCents', label: 'Montant engagé', kind: 'cents', population: 'issued' },
      COLUMNS.redeemedCents,
      { key: 'claimedCents', label: 'Montant demandé', kind: 'cents', population: 'served' },
      { key: 'paidCents', label: 'Montant payé', kind: 'cents', population: 'served' },
      { key: 'budgetRemainingCents', label: 'Budget restant du dispositif', kind: 'cents' },
      { ...COLUMNS.beneficiariesServed, label: 'Bénéficiaires ayant suivi un atelier' },
      // a lower bound of the workshops: masked with those served
      {
        key: 'activeAssociations',
        label: 'Structures actives',
        kind: 'count',
        population: 'served',
      },
    ],
    sql: (s) => `WITH ${s.booklets},
      issued AS (SELECT count(*)::int AS booklets, coalesce(sum(cheque_count), 0)::int AS cheques,
                        coalesce(sum(cheque_count * face_value_cents), 0)::bigint AS cents
                   FROM bk WHERE in_period),
      -- Distinct counts by grouping (hashed) rather than count(DISTINCT …) (sorted).
      issued_persons AS (SELECT count(*)::int AS n FROM (SELECT person FROM bk WHERE in_period GROUP BY person) x),
      -- Cheque states without reading the million cheques: redeemed ones from the active lines,
      -- cancelled ones only in cancelled booklets, the rest still open.
      redeemed AS (SELECT count(*)::int AS n FROM redemption_line l JOIN bk ON bk.id = l.booklet_id
                    WHERE l.active AND bk.in_period),
      cancelled AS (SELECT count(*)::int AS n, coalesce(sum(c.face_value_cents), 0)::bigint AS cents
                      FROM bk JOIN cheque c ON c.booklet_id = bk.id
                     WHERE bk.in_period AND bk.status = 'CANCELLED' AND c.status = 'CANCELLED'),
      served AS (SELECT count(*)::int AS persons, coalesce(sum(n), 0)::int AS cheques,
                        coalesce(sum(cents), 0)::bigint AS cents, coalesce(sum(claimed), 0)::bigint AS claimed
                   FROM (SELECT bk.person, count(*) AS n, sum(l.amount_cents) AS cents,
                                sum(l.amount_cents) FILTER (WHERE r.claim_id IS NOT NULL) AS claimed
                           FROM ${s.served} WHERE ${s.active} GROUP BY bk.person) x),
      associations AS (SELECT count(*)::int AS n FROM (
                         SELECT r.association_id FROM redemption r
                          WHERE ${s.active} AND ${s.inScope}
                          GROUP BY r.association_id) x),
      paid AS (SELECT coalesce(sum(sl.amount_cents), 0)::bigint AS cents
                 FROM statement st JOIN statement_line sl ON sl.statement_id = st.id
                 JOIN redemption_line l ON l.id = sl.redemption_line_id
                 JOIN redemption r ON r.id = l.redemption_id
                 JOIN bk ON bk.id = l.booklet_id
                WHERE st.status = 'PAID' AND ${s.redemptions})
      SELECT issued.booklets AS "bookletsIssued", issued_persons.n AS beneficiaries, issued.cheques AS "chequesIssued",
             served.cheques AS "chequesRedeemed",
             CASE WHEN p.expires_on < (now() AT TIME ZONE 'Europe/Paris')::date THEN issued.cheques - redeemed.n - cancelled.n ELSE 0 END AS "chequesExpired",
             cancelled.n AS "chequesCancelled",
             CASE WHEN issued.cheques > 0 THEN round(100.0 * redeemed.n / issued.cheques, 1) END AS "redemptionRate",
             issued.cents - cancelled.cents AS "committedCents", served.cents AS "redeemedCents", served.claimed AS "claimedCents",
             paid.cents AS "paidCents", (p.budget_cents - p.committed_cents) AS "budgetRemainingCents",
             served.persons AS "beneficiariesServed", associations.n AS "activeAssociations",
             issued_persons.n AS _issued, served.persons AS _served
        FROM programme p, issued, issued_persons, redeemed, cancelled, served, associations, paid WHERE p.id = $1`,
  },
  delays: {
    columns: [
      {
        key: 'bookletsUsed',
        label: 'Carnets utilisés au moins une fois',
        kind: 'count',
        population: 'issued',
      },
      {
        key: 'firstQ1',
        label: '1re utilisation : 1er quartile (jours)',
        kind: 'days',
        population: 'issued',
      },
      {
        key: 'firstMedian',
        label: '1re utilisation : médiane (jours)',
        kind: 'days',
        population: 'issued',
      },
      {
        key: 'firstQ3',
        label: '1re utilisation : 3e quartile (jours)',
        kind: 'days',
        population: 'issued',
      },
      {
        key: 'lastQ1',
        label: 'Dernière utilisation : 1er quartile (jours)',
        kind: 'days',
        population: 'issued',
      },
      {
        key: 'lastMedian',
        label: 'Dernière utilisation : médiane (jours)',
        kind: 'days',
        population: 'issued',
      },
      {
        key: 'lastQ3',
        label: 'Dernière utilisation : 3e quartile (jours)',
        kind: 'days',
        population: 'issued',
      },
    ],
    sql: (s) => `WITH ${s.booklets},
      used AS (SELECT bk.id, bk.person, min(r.session_date) - bk.issued_day AS first_days,
                      max(r.session_date) - bk.issued_day AS last_days
                 FROM ${s.served} WHERE bk.in_period AND ${s.active}
                GROUP BY bk.id, bk.person, bk.issued_day)
      SELECT count(*)::int AS "bookletsUsed",
             percentile_cont(0.25) WITHIN GROUP (ORDER BY first_days) AS "firstQ1",
             percentile_cont(0.5) WITHIN GROUP (ORDER BY first_days) AS "firstMedian",
             percentile_cont(0.75) WITHIN GROUP (ORDER BY first_days) AS "firstQ3",
             percentile_cont(0.25) WITHIN GROUP (ORDER BY last_days) AS "lastQ1",
             percentile_cont(0.5) WITHIN GROUP (ORDER BY last_days) AS "lastMedian",
             percentile_cont(0.75) WITHIN GROUP (ORDER BY last_days) AS "lastQ3",
             (SELECT count(*) FROM (SELECT person FROM used GROUP BY person) x)::int AS _issued FROM used`,
  },
  workshops: {
    columns: [
      COLUMNS.workshops,
      {
        key: 'chequesPerWorkshop',
        label: 'Chèques par atelier',
        kind: 'decimal',
        population: 'served',
      },
      {
        key: 'fullyCoveredShare',
        label: 'Ateliers entièrement couverts (% des prix connus)',
        kind: 'percent',
        population: 'served',
      },
      {
        key: 'partlyCoveredShare',
        label: 'Ateliers partiellement couverts (% des prix connus)',
        kind: 'percent',
        population: 'served',
      },
      {
        key: 'priceUnknown',
        label: 'Ateliers sans prix indiqué',
        kind: 'count',
        population: 'served',
      },
    ],
    sql: (s) => `WITH ${s.booklets},
      w AS (SELECT r.cheque_count, r.total_cents, r.workshop_price_cents FROM redemption r
             WHERE ${s.active} AND ${s.inScope}),
      persons AS (SELECT count(*)::int AS n FROM (SELECT bk.person FROM ${s.lines} WHERE ${s.linesWhere} GROUP BY bk.person) x)
      SELECT count(*)::int AS workshops, round(avg(cheque_count), 2) AS "chequesPerWorkshop",
             round(100.0 * count(*) FILTER (WHERE total_cents >= workshop_price_cents)
                   / nullif(count(workshop_price_cents), 0), 1) AS "fullyCoveredShare",
             round(100.0 * count(*) FILTER (WHERE total_cents < workshop_price_cents)
                   / nullif(count(workshop_price_cents), 0), 1) AS "partlyCoveredShare",
             count(*) FILTER (WHERE workshop_price_cents IS NULL)::int AS "priceUnknown",
             (SELECT n FROM persons) AS _served FROM w`,
  },
  associations: {
    columns: [
      { key: 'association', label: 'Structure', kind: 'text' },
      COLUMNS.workshops,
      COLUMNS.chequesRedeemed,
      COLUMNS.redeemedCents,
      COLUMNS.beneficiariesServed,
    ],
    sql: (s) => `WITH ${s.booklets}
      -- Workshops counted on the redemptions themselves (no distinct count over the lines).
      , workshops AS (SELECT r.association_id, count(*)::int AS n FROM redemption r
                       WHERE ${s.active} AND ${s.inScope}
                       GROUP BY r.association_id)
      SELECT a.name AS association, w.n AS workshops, sum(x.n)::int AS "chequesRedeemed",
             sum(x.cents)::bigint AS "redeemedCents", count(*)::int AS "beneficiariesServed", count(*)::int AS _served
        FROM (SELECT r.association_id, bk.person, count(*) AS n, sum(l.amount_cents) AS cents
                FROM ${s.served} WHERE ${s.active} GROUP BY r.association_id, bk.person) x
        JOIN association a ON a.id = x.association_id
        JOIN workshops w ON w.association_id = x.association_id
       GROUP BY a.id, a.name, w.n ORDER BY a.name, a.id`,
  },
  communes: {
    columns: [
      { key: 'postalCode', label: 'Code postal des bénéficiaires', kind: 'text' },
      COLUMNS.beneficiariesServed,
      COLUMNS.workshops,
      COLUMNS.chequesRedeemed,
      COLUMNS.redeemedCents,
    ],
    sql: (s) => `WITH ${s.booklets}
      SELECT coalesce(x.postal_code, 'inconnu') AS "postalCode", count(*)::int AS "beneficiariesServed",
             sum(x.workshops)::int AS workshops, sum(x.n)::int AS "chequesRedeemed",
             sum(x.cents)::bigint AS "redeemedCents", count(*)::int AS _served
        FROM (SELECT bk.postal_code, bk.person, count(DISTINCT l.redemption_id) AS workshops, count(*) AS n,
                     sum(l.amount_cents) AS cents
                FROM ${s.lines} WHERE ${s.linesWhere} GROUP BY bk.postal_code, bk.person) x
       GROUP BY 1 ORDER BY 1`,
  },
  monthly: {
    columns: [
      { key: 'month', label: 'Mois', kind: 'month' },
      COLUMNS.bookletsIssued,
      COLUMNS.chequesIssued,
      COLUMNS.workshops,
      COLUMNS.chequesRedeemed,
      COLUMNS.redeemedCents,
      COLUMNS.beneficiariesServed,
    ],
    sql: (s) => `WITH ${s.booklets},
      issued AS (SELECT month, sum(booklets)::int AS booklets, sum(cheques)::int AS cheques, count(*)::int AS persons
                   FROM (SELECT date_trunc('month', issued_day)::date AS month, person, count(*) AS booklets,
                                sum(cheque_count) AS cheques
                           FROM bk WHERE in_period GROUP BY 1, 2) x GROUP BY month),
      served_persons AS (SELECT month, sum(n)::int AS cheques, sum(cents)::bigint AS cents, count(*)::int AS persons
                   FROM (SELECT date_trunc('month', r.session_date)::date AS month, bk.person,
                                count(*) AS n, sum(l.amount_cents) AS cents
                           FROM ${s.served} WHERE ${s.active} GROUP BY 1, 2) x GROUP BY month),
      -- Workshops counted on the redemptions themselves (no distinct count over the lines).
      served_workshops AS (SELECT date_trunc('month', r.session_date)::date AS month, count(*)::int AS workshops
                   FROM redemption r
                  WHERE ${s.active} AND ${s.inScope}
                  GROUP BY 1),
      served AS (SELECT * FROM served_persons JOIN served_workshops USING (month))
      SELECT to_char(month, 'YYYY-MM') AS month, coalesce(issued.booklets, 0) AS "bookletsIssued", coalesce(issued.cheques, 0) AS "chequesIssued",
             coalesce(served.workshops, 0) AS workshops, coalesce(served.cheques, 0) AS "chequesRedeemed",
             coalesce(served.cents, 0) AS "redeemedCents", coalesce(served.persons, 0) AS "beneficiariesServed",
             coalesce(issued.persons, 0) AS _issued, coalesce(served.persons, 0) AS _served
        FROM issued FULL JOIN served USING (month) ORDER BY month`,
  },
};

/** The SQL of an indicator for these filters (the benchmark explains it). */
export function statsQuery(
  indicator: Indicator,
  q: StatsQueryDto,
): { text: string; values: unknown[] } {
  const params = new SqlWhere();
  const text = DEFINITIONS[indicator].sql(scopeOf(q, params));
  return { text, values: params.params };
}

export const OPEN_USAGE: { columns: Column[]; sql: string } = {
  columns: [
    { key: 'mois', label: 'Mois', kind: 'month' },
    { key: 'dispositif', label: 'Dispositif', kind: 'text' },
    { key: 'code_postal', label: 'Code postal du lieu', kind: 'text' },
    { key: 'commune', label: 'Commune du lieu', kind: 'text' },
    { key: 'activite', label: 'Atelier', kind: 'text' },
    { key: 'ateliers', label: 'Ateliers', kind: 'count', population: 'served' },
    { key: 'cheques', label: 'Chèques', kind: 'count', population: 'served' },
    { key: 'montant_euros', label: 'Montant', kind: 'cents', population: 'served' },
    { key: 'beneficiaires', label: 'Bénéficiaires', kind: 'count', population: 'served' },
  ],
  sql: `SELECT to_char(r.session_date, 'YYYY-MM') AS mois, p.name AS dispositif, a.postal_code AS code_postal,
               a.city AS commune, r.activity AS activite, count(DISTINCT r.id)::int AS ateliers,
               count(*)::int AS cheques, sum(l.amount_cents)::bigint AS montant_euros,
               count(DISTINCT ${PERSON})::int AS beneficiaires,
               count(DISTINCT ${PERSON})::int AS _served
          FROM redemption r
          JOIN redemption_line l ON l.redemption_id = r.id AND l.active
          JOIN booklet b ON b.id = l.booklet_id
          JOIN programme p ON p.id = b.programme_id
          JOIN association a ON a.id = r.association_id
         WHERE r.status = 'ACTIVE'
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 5`,
};
