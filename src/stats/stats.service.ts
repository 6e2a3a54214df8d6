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
import { Column, DEFINITIONS, OPEN_USAGE, statsQuery } from './indicators.queries';

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
    const { text, values } = statsQuery(indicator, q);
    return {
      indicator,
      filters: q,
      ...(await this.run(DEFINITIONS[indicator].columns, text, values)),
    };
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
