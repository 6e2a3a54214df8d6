import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/access/role';
import { csvAmount, streamCsv } from '../common/csv';
import { frenchDate, parisToday } from '../common/dates';
import type { RedemptionQueryDto } from './dto/redemption.dto';
import { exportPage, ExportRow, redemptionFilters } from './redemption.queries';

/** The redemptions CSV: one line per cheque, streamed page by page (paged by key). */
@Injectable()
export class RedemptionExportService {
  /** Rows read per query (the tests make it small to cross page boundaries). */
  pageSize = 5000;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async writeCsv(
    actor: Actor,
    q: RedemptionQueryDto,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const where = redemptionFilters(actor, q);
    onReady(`encaissements-${parisToday()}.csv`);
    const em = this.dataSource.manager;
    const size = this.pageSize;
    async function* pages(): AsyncGenerator<ExportRow[]> {
      let after: ExportRow | null = null;
      for (;;) {
        const rows = await exportPage(em, where, after, size);
        if (rows.length) yield rows;
        if (rows.length < size) return;
        after = rows[rows.length - 1];
      }
    }
    await streamCsv(
      out,
      [
        'date_seance',
        'activite',
        'numero_carnet',
        'cheque',
        'montant_euros',
        'statut',
        'encaissement',
        'structure_siret',
      ],
      pages(),
      (r) => [
        frenchDate(r.session_date),
        r.activity,
        r.number,
        r.position,
        csvAmount(Number(r.amount)),
        r.status,
        r.id,
        r.siret,
      ],
    );
  }
}
