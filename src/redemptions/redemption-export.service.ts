import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/access/role';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate, parisToday } from '../common/dates';
import type { RedemptionQueryDto } from './dto/redemption.dto';
import { exportPage, ExportRow, redemptionFilters } from './redemption.queries';

const PAGE = 5000;

/** The redemptions CSV: one line per cheque, streamed page by page (paged by key). */
@Injectable()
export class RedemptionExportService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async writeCsv(
    actor: Actor,
    q: RedemptionQueryDto,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const where = redemptionFilters(actor, q);
    onReady(`encaissements-${parisToday()}.csv`);
    out.write(
      CSV_BOM +
        csvLine([
          'date_seance',
          'activite',
          'numero_carnet',
          'cheque',
          'montant_euros',
          'statut',
          'encaissement',
          'structure_siret',
        ]),
    );
    let after: ExportRow | null = null;
    for (;;) {
      const rows = await exportPage(this.dataSource.manager, where, after, PAGE);
      for (const r of rows) {
        const line = csvLine([
          frenchDate(r.session_date),
          r.activity,
          r.number,
          r.position,
          csvAmount(Number(r.amount)),
          r.status,
          r.id,
          r.siret,
        ]);
        if (!out.write(line)) await once(out, 'drain');
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1];
    }
    out.end();
  }
}
