import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Actor } from '../common/access/role';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate } from '../common/dates';
import { StatementsService } from './statements.service';

/** A statement as CSV for French spreadsheet software, streamed 5,000 lines at a time. */
@Injectable()
export class StatementExportService {
  constructor(private readonly statements: StatementsService) {}

  async writeCsv(
    actor: Actor,
    id: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const s = await this.statements.findStatement(actor, id);
    onReady(`${s.number}.csv`);
    out.write(
      CSV_BOM +
        csvLine([
          'etat',
          'ligne',
          'date_seance',
          'numero_carnet',
          'cheque',
          'activite',
          'montant_euros',
          'corrige_etat',
        ]),
    );
    for await (const rows of this.statements.linePages(id)) {
      for (const l of rows) {
        const ok = out.write(
          csvLine([
            s.number,
            l.line_no,
            frenchDate(l.session_date),
            l.booklet_number,
            l.cheque_position,
            l.activity,
            csvAmount(Number(l.amount_cents)),
            l.corrects_statement_number,
          ]),
        );
        if (!ok) await once(out, 'drain');
      }
    }
    out.write(csvLine([s.number, 'TOTAL', '', '', '', '', csvAmount(s.totalCents), '']));
    out.end();
  }
}
