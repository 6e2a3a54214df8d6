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
  SUPPRESSED_CELL,
} from './dto/stats.dto';
import {
  Column,
  DEFINITIONS,
  narrowingFilters,
  OPEN_USAGE,
  Population,
  populationByDimension,
  POPULATIONS,
  populationsOf,
  statsQuery,
} from './indicators.queries';
import { protects, suppressedRows } from './small-cells';

/**
 * How a table's cells are masked: not at all (a programme's totals), row by row over the table
 * (a breakdown: primary and secondary suppression, see small-cells.ts), with some populations
 * masked whatever their size (an overview's group, masked among all the groups of its dimension).
 */
type Masking = { rows: boolean; forced?: Set<Population>; exempt?: Set<Population> };

/**
 * Impact indicators, computed by SQL aggregates in the database (no rows loaded into Node). The
 * programme's totals are not personal data and are shown as they are; every breakdown of people
 * (per commune, association, month, workshop, or an overview narrowed to a group) follows the
 * small-cell rule with secondary suppression: a cell derived from 1–4 beneficiaries is "< 5", and
 * enough other cells are "masqué" that none can be recovered from the totals, the other rows or
 * the rates. Zero is shown as 0.
 */
@Injectable()
export class StatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly programmes: ProgrammesService,
  ) {}

  async table(indicator: Indicator, q: StatsQueryDto): Promise<StatsTableDto> {
    await this.programmes.get(q.programmeId); // 404 for an unknown programme
    const { text, values } = statsQuery(indicator, q);
    const masking = indicator === 'overview' ? await this.overviewMasking(q) : { rows: true };
    return {
      indicator,
      filters: q,
      ...(await this.run(DEFINITIONS[indicator].columns, text, values, masking)),
    };
  }

  /**
   * An overview is the programme's totals (never masked, a period alone included) unless a filter
   * narrows it to a group of people. Narrowed, the row follows the primary rule, and each of its
   * narrowing filters is checked as one group among all the groups of its kind within the other
   * filters and the period (every postal code for this age band, say): masked there, masked here.
   * So asking for each group in turn, combining filters or adding a period that changes nothing
   * gives back nothing the breakdowns do not show (two overlapping periods can: see the README).
   */
  private async overviewMasking(q: StatsQueryDto): Promise<Masking> {
    const narrowed = POPULATIONS.filter((p) => narrowingFilters(q, p).length > 0);
    if (narrowed.length === 0) return { rows: false };
    const forced = new Set<Population>();
    for (const population of narrowed) {
      for (const dimension of narrowingFilters(q, population)) {
        const { text, values } = populationByDimension(dimension, population, q);
        const groups = await queryRows<{ k: string; n: number }>(
          this.dataSource.manager,
          text,
          values,
        );
        const masked = suppressedRows(
          groups.map((g) => g.n),
          SMALL_CELL_THRESHOLD,
        );
        // uuids and codes compared as the database writes them (an id may come upper case)
        const asked = String(q[dimension]).toLowerCase();
        if (masked.has(groups.findIndex((g) => g.k.toLowerCase() === asked)))
          forced.add(population);
      }
    }
    // a population the filters do not narrow is the programme's (or the period's) total
    const untouched = POPULATIONS.filter((p) => !narrowed.includes(p));
    return { rows: true, forced, exempt: new Set(untouched) };
  }

  /**
   * Open data: usage per month, commune of the association where the workshops took place and
   * activity, across programmes, with the same small-cell rule.
   */
  openUsage(): Promise<MaskedTable> {
    return this.run(OPEN_USAGE.columns, OPEN_USAGE.sql, [], { rows: true });
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
  private async run(
    columns: Column[],
    text: string,
    values: unknown[],
    masking: Masking,
  ): Promise<MaskedTable> {
    // Read-only, and with room to sort and hash in memory: distinct counts over 300,000 lines
    // would otherwise spill to disk.
    const raw = await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      await em.query(`SET TRANSACTION READ ONLY`);
      await em.query(`SET LOCAL work_mem = '128MB'`);
      // Aggregates over a few hundred thousand lines: let the planner use every core.
      await em.query(`SET LOCAL parallel_setup_cost = 10`);
      await em.query(`SET LOCAL parallel_tuple_cost = 0.001`);
      return queryRows<Record<string, unknown>>(em, text, values);
    });
    // for each population: the marker of each masked row (primary "< 5" or secondary "masqué")
    const markers = new Map<Population, Map<number, string>>();
    // rows whose label must go too: too few people for the masking to hide them (every row masked
    // and still fixed by the total: "one each")
    const unnamed = new Set<number>();
    for (const population of POPULATIONS) {
      const sizes = raw.map((row) => Number(row[`_${population}`] ?? 0));
      const masked =
        masking.rows && !masking.exempt?.has(population)
          ? suppressedRows(sizes, SMALL_CELL_THRESHOLD)
          : new Set<number>();
      if (masking.forced?.has(population)) raw.forEach((_, i) => masked.add(i));
      // (an overview has no names: its one row is masked or not, nothing more)
      if (masked.size > 0 && !protects(sizes, masked, SMALL_CELL_THRESHOLD))
        masked.forEach((i) => unnamed.add(i));
      markers.set(
        population,
        new Map(
          [...masked].map((i) => [
            i,
            sizes[i] > 0 && sizes[i] < SMALL_CELL_THRESHOLD ? SMALL_CELL : SUPPRESSED_CELL,
          ]),
        ),
      );
    }
    let maskedCells = 0;
    const rows = raw.map((row, i) => {
      const out: Record<string, number | string | null> = {};
      for (const column of columns) {
        const value = row[column.key];
        const label = column.kind === 'text' || column.kind === 'month';
        const marks = (label && unnamed.has(i) ? [SUPPRESSED_CELL] : [])
          .concat(populationsOf(column).map((p) => markers.get(p)!.get(i) ?? ''))
          .filter(Boolean);
        if (marks.length > 0) {
          out[column.key] = marks.includes(SMALL_CELL) ? SMALL_CELL : SUPPRESSED_CELL;
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
