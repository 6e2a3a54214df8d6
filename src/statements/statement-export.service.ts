import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import type { Actor } from '../common/access/role';
import { streamCsv } from '../common/csv';
import { STATEMENT_CSV_HEADER, statementCsvClosing, statementCsvRow } from './statement-csv';
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
      STATEMENT_CSV_HEADER,
      this.statements.linePages(id),
      (l) => statementCsvRow(s, l),
      statementCsvClosing(s),
    );
  }
}
