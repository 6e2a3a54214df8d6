import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { parisToday } from '../common/dates';
import { queryRows } from '../database/sql';
import { ProgrammesService } from '../programmes/programmes.service';
import {
  Indicator,
  SMALL_CELL,
  SMALL_CELL_THRESHOLD,
  StatsQueryDto,
  StatsTableDto,
} from './dto/stats.dto';

type Kind = 'text' | 'count' | 'cents' | 'percent' | 'days' | 'decimal' | 'month';
/** Which beneficiaries a cell is derived from: those whose booklets were issued, or those served. */
type Population = 'issued' | 'served';

interface Column {
  key: string;
  label: string;
  kind: Kind;
  /** The population whose size decides whether the cell is masked (none: never masked). */
  population?: Population;
}

interface Definition {
  columns: Column[];
  sql: (scope: Scope) => string;
}

/** Query parameters, numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The SQL fragments of one request's filters. */
interface Scope {
  /** CTE `bk`: the programme's booklets matching the beneficiary filters, with `in_period`. */
  booklets: string;
  /** Conditions on redemption `r` (association, activity, session dates). */
  redemptions: string;
  /** The same, for active redemptions only. */
  active: string;
  /** FROM clause joining active redemption lines to `bk` (aliases r, l, c, bk). */
  served: string;
}

/** One person: the beneficiary, or for anonymous booklets the booklet (a replacement counts as its original). */
const PERSON = 'coalesce(b.beneficiary_id, b.replaces_booklet_id, b.id)';
const ISSUED_DAY = "(b.issued_at AT TIME ZONE 'Europe/Paris')::date";

function scopeOf(q: StatsQueryDto, p: Params): Scope {
  const bookletWhere = [`b.programme_id = ${p.add(q.programmeId)}`];
  if (q.postalCode) bookletWhere.push(`ben.postal_code = ${p.add(q.postalCode)}`);
  if (q.ageBand) bookletWhere.push(`ben.age_band = ${p.add(q.ageBand)}`);
  if (q.needCategory) bookletWhere.push(`ben.need_category = ${p.add(q.needCategory)}`);
  const period: string[] = [];
  if (q.from) period.push(`${ISSUED_DAY} >= ${p.add(q.from)}::date`);
  if (q.to) period.push(`${ISSUED_DAY} <= ${p.add(q.to)}::date`);
  const redemptionWhere = ['true'];
  if (q.associationId) redemptionWhere.push(`r.association_id = ${p.add(q.associationId)}`);
  if (q.activity) redemptionWhere.push(`r.activity = ${p.add(q.activity)}`);
  if (q.from) redemptionWhere.push(`r.session_date >= ${p.add(q.from)}::date`);
  if (q.to) redemptionWhere.push(`r.session_date <= ${p.add(q.to)}::date`);
  return {
    booklets: `bk AS (
      SELECT b.id, b.cheque_count, ${PERSON} AS person, ${ISSUED_DAY} AS issued_day, ben.postal_code,
             ${period.length ? period.join(' AND ') : 'true'} AS in_period
        FROM booklet b LEFT JOIN beneficiary ben ON ben.id = b.beneficiary_id
       WHERE ${bookletWhere.join(' AND ')})`,
    redemptions: redemptionWhere.join(' AND '),
    active: ["r.status = 'ACTIVE'", ...redemptionWhere].join(' AND '),
    served: `redemption r
      JOIN redemption_line l ON l.redemption_id = r.id AND l.active
      JOIN cheque c ON c.id = l.cheque_id
      JOIN bk ON bk.id = c.booklet_id`,
  };
}

const DEFINITIONS: Record<Indicator, Definition> = {
  overview: {
    columns: [
      { key: 'bookletsIssued', label: 'Carnets remis', kind: 'count', population: 'issued' },
      { key: 'beneficiaries', label: 'Bénéficiaires', kind: 'count', population: 'issued' },
      { key: 'chequesIssued', label: 'Chèques émis', kind: 'count', population: 'issued' },
      { key: 'chequesRedeemed', label: 'Chèques encaissés', kind: 'count', population: 'served' },
      { key: 'chequesExpired', label: 'Chèques expirés', kind: 'count', population: 'issued' },
      { key: 'chequesCancelled', label: 'Chèques annulés', kind: 'count', population: 'issued' },
      {
        key: 'redemptionRate',
        label: 'Taux d’utilisation des chèques émis (%)',
        kind: 'percent',
        population: 'issued',
      },
      { key: 'committedCents', label: 'Montant engagé', kind: 'cents', population: 'issued' },
      { key: 'redeemedCents', label: 'Montant encaissé', kind: 'cents', population: 'served' },
      { key: 'claimedCents', label: 'Montant demandé', kind: 'cents', population: 'served' },
      { key: 'paidCents', label: 'Montant payé', kind: 'cents', population: 'served' },
      { key: 'budgetRemainingCents', label: 'Budget restant du dispositif', kind: 'cents' },
      {
        key: 'beneficiariesServed',
        label: 'Bénéficiaires ayant suivi un atelier',
        kind: 'count',
        population: 'served',
      },
      { key: 'activeAssociations', label: 'Structures actives', kind: 'count' },
    ],
    sql: (s) => `WITH ${s.booklets},
      issued AS (SELECT count(*)::int AS booklets, count(DISTINCT person)::int AS persons,
                        coalesce(sum(cheque_count), 0)::int AS cheques FROM bk WHERE in_period),
      cheques AS (SELECT count(*) FILTER (WHERE c.status = 'REDEEMED')::int AS redeemed,
                         count(*) FILTER (WHERE c.status = 'CANCELLED')::int AS cancelled,
                         count(*) FILTER (WHERE c.status = 'ISSUED')::int AS open,
                         coalesce(sum(c.face_value_cents) FILTER (WHERE c.status <> 'CANCELLED'), 0)::bigint AS committed
                    FROM cheque c JOIN bk ON bk.id = c.booklet_id WHERE bk.in_period),
      served AS (SELECT count(*)::int AS cheques, coalesce(sum(l.amount_cents), 0)::bigint AS cents,
                        count(DISTINCT bk.person)::int AS persons,
                        coalesce(sum(l.amount_cents) FILTER (WHERE r.claim_id IS NOT NULL), 0)::bigint AS claimed,
                        count(DISTINCT r.association_id)::int AS associations
                   FROM ${s.served} WHERE ${s.active}),
      paid AS (SELECT coalesce(sum(sl.amount_cents), 0)::bigint AS cents
                 FROM statement st JOIN statement_line sl ON sl.statement_id = st.id
                 JOIN redemption_line l ON l.id = sl.redemption_line_id
                 JOIN redemption r ON r.id = l.redemption_id
                 JOIN cheque c ON c.id = l.cheque_id JOIN bk ON bk.id = c.booklet_id
                WHERE st.status = 'PAID' AND ${s.redemptions})
      SELECT issued.booklets AS "bookletsIssued", issued.persons AS beneficiaries, issued.cheques AS "chequesIssued",
             served.cheques AS "chequesRedeemed",
             CASE WHEN p.expires_on < CURRENT_DATE THEN cheques.open ELSE 0 END AS "chequesExpired",
             cheques.cancelled AS "chequesCancelled",
             CASE WHEN issued.cheques > 0 THEN round(100.0 * cheques.redeemed / issued.cheques, 1) END AS "redemptionRate",
             cheques.committed AS "committedCents", served.cents AS "redeemedCents", served.claimed AS "claimedCents",
             paid.cents AS "paidCents", (p.budget_cents - p.committed_cents) AS "budgetRemainingCents",
             served.persons AS "beneficiariesServed", served.associations AS "activeAssociations",
             issued.persons AS _issued, served.persons AS _served
        FROM programme p, issued, cheques, served, paid WHERE p.id = $1`,
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
             count(DISTINCT person)::int AS _issued FROM used`,
  },
  workshops: {
    columns: [
      { key: 'workshops', label: 'Ateliers', kind: 'count', population: 'served' },
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
      w AS (SELECT r.id, r.cheque_count, r.total_cents, r.workshop_price_cents, min(bk.person::text) AS person
              FROM ${s.served} WHERE ${s.active} GROUP BY r.id)
      SELECT count(*)::int AS workshops, round(avg(cheque_count), 2) AS "chequesPerWorkshop",
             round(100.0 * count(*) FILTER (WHERE total_cents >= workshop_price_cents)
                   / nullif(count(workshop_price_cents), 0), 1) AS "fullyCoveredShare",
             round(100.0 * count(*) FILTER (WHERE total_cents < workshop_price_cents)
                   / nullif(count(workshop_price_cents), 0), 1) AS "partlyCoveredShare",
             count(*) FILTER (WHERE workshop_price_cents IS NULL)::int AS "priceUnknown",
             count(DISTINCT person)::int AS _served FROM w`,
  },
  associations: {
    columns: [
      { key: 'association', label: 'Structure', kind: 'text' },
      { key: 'workshops', label: 'Ateliers', kind: 'count', population: 'served' },
      { key: 'chequesRedeemed', label: 'Chèques encaissés', kind: 'count', population: 'served' },
      { key: 'redeemedCents', label: 'Montant encaissé', kind: 'cents', population: 'served' },
      { key: 'beneficiariesServed', label: 'Bénéficiaires', kind: 'count', population: 'served' },
    ],
    sql: (s) => `WITH ${s.booklets}
      SELECT a.name AS association, count(DISTINCT r.id)::int AS workshops, count(*)::int AS "chequesRedeemed",
             sum(l.amount_cents)::bigint AS "redeemedCents", count(DISTINCT bk.person)::int AS "beneficiariesServed",
             count(DISTINCT bk.person)::int AS _served
        FROM ${s.served} JOIN association a ON a.id = r.association_id
       WHERE ${s.active} GROUP BY a.id, a.name ORDER BY a.name, a.id`,
  },
  communes: {
    columns: [
      { key: 'postalCode', label: 'Code postal des bénéficiaires', kind: 'text' },
      { key: 'beneficiariesServed', label: 'Bénéficiaires', kind: 'count', population: 'served' },
      { key: 'workshops', label: 'Ateliers', kind: 'count', population: 'served' },
      { key: 'chequesRedeemed', label: 'Chèques encaissés', kind: 'count', population: 'served' },
      { key: 'redeemedCents', label: 'Montant encaissé', kind: 'cents', population: 'served' },
    ],
    sql: (s) => `WITH ${s.booklets}
      SELECT coalesce(bk.postal_code, 'inconnu') AS "postalCode", count(DISTINCT bk.person)::int AS "beneficiariesServed",
             count(DISTINCT r.id)::int AS workshops, count(*)::int AS "chequesRedeemed",
             sum(l.amount_cents)::bigint AS "redeemedCents", count(DISTINCT bk.person)::int AS _served
        FROM ${s.served} WHERE ${s.active} GROUP BY 1 ORDER BY 1`,
  },
  monthly: {
    columns: [
      { key: 'month', label: 'Mois', kind: 'month' },
      { key: 'bookletsIssued', label: 'Carnets remis', kind: 'count', population: 'issued' },
      { key: 'chequesIssued', label: 'Chèques émis', kind: 'count', population: 'issued' },
      { key: 'workshops', label: 'Ateliers', kind: 'count', population: 'served' },
      { key: 'chequesRedeemed', label: 'Chèques encaissés', kind: 'count', population: 'served' },
      { key: 'redeemedCents', label: 'Montant encaissé', kind: 'cents', population: 'served' },
      {
        key: 'beneficiariesServed',
        label: 'Bénéficiaires servis',
        kind: 'count',
        population: 'served',
      },
    ],
    sql: (s) => `WITH ${s.booklets},
      issued AS (SELECT to_char(issued_day, 'YYYY-MM') AS month, count(*)::int AS booklets,
                        sum(cheque_count)::int AS cheques, count(DISTINCT person)::int AS persons
                   FROM bk WHERE in_period GROUP BY 1),
      served AS (SELECT to_char(r.session_date, 'YYYY-MM') AS month, count(DISTINCT r.id)::int AS workshops,
                        count(*)::int AS cheques, sum(l.amount_cents)::bigint AS cents,
                        count(DISTINCT bk.person)::int AS persons
                   FROM ${s.served} WHERE ${s.active} GROUP BY 1)
      SELECT month, coalesce(issued.booklets, 0) AS "bookletsIssued", coalesce(issued.cheques, 0) AS "chequesIssued",
             coalesce(served.workshops, 0) AS workshops, coalesce(served.cheques, 0) AS "chequesRedeemed",
             coalesce(served.cents, 0) AS "redeemedCents", coalesce(served.persons, 0) AS "beneficiariesServed",
             coalesce(issued.persons, 0) AS _issued, coalesce(served.persons, 0) AS _served
        FROM issued FULL JOIN served USING (month) ORDER BY month`,
  },
};

/** A cell derived from 1–4 beneficiaries would single people out. */
const isSmall = (persons: number) => persons > 0 && persons < SMALL_CELL_THRESHOLD;

/**
 * Impact indicators, computed by SQL aggregates in the database (no rows loaded into Node), with
 * the small-cell rule applied to every cell: a value derived from fewer than five beneficiaries
 * (but at least one) is replaced by "< 5".
 */
@Injectable()
export class StatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly programmes: ProgrammesService,
  ) {}

  async table(indicator: Indicator, q: StatsQueryDto): Promise<StatsTableDto> {
    await this.programmes.get(q.programmeId); // 404 for an unknown programme
    const definition = DEFINITIONS[indicator];
    const params = new Params();
    const text = definition.sql(scopeOf(q, params));
    return { indicator, filters: q, ...(await this.run(definition.columns, text, params.values)) };
  }

  /**
   * Open data: usage per month, commune of the association where the workshops took place and
   * activity, across programmes, with the same small-cell rule.
   */
  openUsage(): Promise<MaskedTable> {
    return this.run(OPEN_USAGE.columns, OPEN_USAGE.sql, []);
  }

  async writeCsv(
    indicator: Indicator,
    q: StatsQueryDto,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const table = await this.table(indicator, q);
    onReady(`indicateurs-${indicator}-${parisToday()}.csv`);
    writeTableCsv(table, out, (c) => c.label);
  }

  async writeOpenUsageCsv(out: Writable, onReady: (fileName: string) => void): Promise<void> {
    const table = await this.openUsage();
    onReady('usage-pass-numerique.csv');
    writeTableCsv(table, out, (c) => c.key);
  }

  /** Runs an aggregate query and applies the small-cell rule to every cell. */
  private async run(columns: Column[], text: string, values: unknown[]): Promise<MaskedTable> {
    const raw = await queryRows<Record<string, unknown>>(this.dataSource.manager, text, values);
    let maskedCells = 0;
    const rows = raw.map((row) => {
      const out: Record<string, number | string | null> = {};
      for (const column of columns) {
        const value = row[column.key];
        const persons = column.population ? Number(row[`_${column.population}`] ?? 0) : 0;
        if (column.population && isSmall(persons)) {
          out[column.key] = SMALL_CELL;
          maskedCells++;
        } else {
          out[column.key] =
            value === null || value === undefined
              ? null
              : column.kind === 'text' || column.kind === 'month'
                ? typeof value === 'string'
                  ? value
                  : JSON.stringify(value)
                : Number(value);
        }
      }
      return out;
    });
    return {
      columns: columns.map(({ key, label, kind }) => ({ key, label, kind })),
      rows,
      maskedCells,
    };
  }
}

interface MaskedTable {
  columns: { key: string; label: string; kind: string }[];
  rows: Record<string, number | string | null>[];
  maskedCells: number;
}

/** CSV for French spreadsheets: decimal commas, amounts in euros, "< 5" kept as text. */
function writeTableCsv(
  table: MaskedTable,
  out: Writable,
  header: (c: MaskedTable['columns'][number]) => string,
): void {
  out.write(CSV_BOM + csvLine(table.columns.map(header)));
  for (const row of table.rows) {
    out.write(
      csvLine(
        table.columns.map((c) => {
          const v = row[c.key];
          if (typeof v !== 'number') return v;
          if (c.kind === 'cents') return csvAmount(v);
          if (c.kind === 'percent' || c.kind === 'decimal' || c.kind === 'days')
            return String(v).replace('.', ',');
          return v;
        }),
      ),
    );
  }
  out.end();
}

const OPEN_USAGE: { columns: Column[]; sql: string } = {
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
               count(DISTINCT coalesce(b.beneficiary_id, b.replaces_booklet_id, b.id))::int AS beneficiaires,
               count(DISTINCT coalesce(b.beneficiary_id, b.replaces_booklet_id, b.id))::int AS _served
          FROM redemption r
          JOIN redemption_line l ON l.redemption_id = r.id AND l.active
          JOIN cheque c ON c.id = l.cheque_id
          JOIN booklet b ON b.id = c.booklet_id
          JOIN programme p ON p.id = b.programme_id
          JOIN association a ON a.id = r.association_id
         WHERE r.status = 'ACTIVE'
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 5`,
};
