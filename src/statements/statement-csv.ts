import { csvAmount, type CsvValue } from '../common/csv';
import { frenchDate } from '../common/dates';
import type { Statement } from './statement.entity';
import type { StatementLineRow } from './statement.queries';

/**
 * A statement's lines as CSV: the download and the copy embedded in the statement's PDF are the
 * same rows.
 */
export const STATEMENT_CSV_HEADER = [
  'etat',
  'ligne',
  'date_seance',
  'numero_carnet',
  'cheque',
  'activite',
  'montant_euros',
  'corrige_etat',
];

export function statementCsvRow(s: Statement, l: StatementLineRow): CsvValue[] {
  return [
    s.number,
    l.line_no,
    frenchDate(l.session_date),
    l.booklet_number,
    l.cheque_position,
    l.activity,
    csvAmount(Number(l.amount_cents)),
    l.corrects_statement_number,
  ];
}

/** The closing line: the statement's total. */
export function statementCsvClosing(s: Statement): CsvValue[][] {
  return [[s.number, 'TOTAL', '', '', '', '', csvAmount(s.totalCents), '']];
}
