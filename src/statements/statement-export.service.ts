import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import type { Actor } from '../common/access/role';
import { csvAmount, streamCsv } from '../common/csv';
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
    await streamCsv(
      out,
      [
        'etat',
        'ligne',
        'date_seance',
        'numero_carnet',
        'cheque',
        'activite',
        'montant_euros',
        'corrige_etat',
      ],
      this.statements.linePages(id),
      (l) => [
        s.number,
        l.line_no,
        frenchDate(l.session_date),
        l.booklet_number,
        l.cheque_position,
        l.activity,
        csvAmount(Number(l.amount_cents)),
        l.corrects_statement_number,
      ],
      [[s.number, 'TOTAL', '', '', '', '', csvAmount(s.totalCents), '']],
    );
  }
}
