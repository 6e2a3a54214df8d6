import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate } from '../common/dates';
import { StartupError } from '../common/startup-error';
import type { StatementImputation } from '../statements/statement.entity';
import type { MandateColumn, PaymentBatch } from './payment-batch.entity';
import type { BatchRow } from './payment-batch.queries';

/**
 * The mandates file: what the département's finance software imports to issue one mandate
 * (mandat de paiement) per statement, with the statement's PDF as its supporting document. Its
 * columns are a setting (MANDATE_CSV_COLUMNS) so that a département matches its software's import
 * shape; the columns in force are frozen on the batch at approval.
 */

/** One mandate line, before it is shaped into the configured columns. */
export interface MandateLine {
  batch: string;
  statement: string;
  line: number;
  siret: string;
  name: string;
  address: string;
  iban: string;
  bic: string | null;
  chapter: string | null;
  article: string | null;
  function: string | null;
  service: string | null;
  amountCents: number;
  periodFrom: string | null;
  periodTo: string | null;
  legalBasis: string | null;
  approvedOn: string;
  certifiedBy: string;
  pdf: string;
}

/** The fields a column may carry, each with how it is written. */
export const MANDATE_FIELDS: Record<string, (m: MandateLine) => string | number | null> = {
  batch: (m) => m.batch,
  statement: (m) => m.statement,
  line: (m) => m.line,
  siret: (m) => m.siret,
  name: (m) => m.name,
  address: (m) => m.address,
  iban: (m) => m.iban,
  bic: (m) => m.bic,
  chapter: (m) => m.chapter,
  article: (m) => m.article,
  function: (m) => m.function,
  service: (m) => m.service,
  imputation: (m) => [m.chapter, m.article, m.function].filter(Boolean).join('-') || null,
  amount: (m) => csvAmount(m.amountCents),
  amountCents: (m) => m.amountCents,
  object: (m) => mandateObject(m),
  periodFrom: (m) => (m.periodFrom ? frenchDate(m.periodFrom) : null),
  periodTo: (m) => (m.periodTo ? frenchDate(m.periodTo) : null),
  legalBasis: (m) => m.legalBasis,
  approvedOn: (m) => frenchDate(m.approvedOn),
  certifiedBy: (m) => m.certifiedBy,
  pdf: (m) => m.pdf,
};

/** The columns when MANDATE_CSV_COLUMNS is not set (documented in the README). */
export const DEFAULT_MANDATE_COLUMNS: MandateColumn[] = [
  ['numero_bordereau', 'batch'],
  ['numero_etat', 'statement'],
  ['siret_tiers', 'siret'],
  ['nom_tiers', 'name'],
  ['iban', 'iban'],
  ['bic', 'bic'],
  ['chapitre', 'chapter'],
  ['article', 'article'],
  ['fonction', 'function'],
  ['service', 'service'],
  ['montant', 'amount'],
  ['objet', 'object'],
  ['piece_justificative', 'pdf'],
].map(([header, field]) => ({ header, field }));

/**
 * MANDATE_CSV_COLUMNS: `header=field` pairs separated by commas, in file order (e.g.
 * `Tiers=siret,Montant=amount,Objet=object`); unset, the default columns. An unknown field stops
 * the service at start with the list of known ones.
 */
export function parseMandateColumns(setting: string | undefined): MandateColumn[] {
  if (!setting?.trim()) return DEFAULT_MANDATE_COLUMNS;
  const columns = setting.split(',').map((pair) => {
    const at = pair.lastIndexOf('=');
    const header = pair.slice(0, at).trim();
    const field = pair.slice(at + 1).trim();
    if (at < 1 || !header)
      throw new StartupError(
        `invalid setting: MANDATE_CSV_COLUMNS: "${pair.trim()}" is not header=field`,
        'write the columns as Header=field pairs separated by commas',
      );
    if (!(field in MANDATE_FIELDS))
      throw new StartupError(
        `invalid setting: MANDATE_CSV_COLUMNS: unknown field "${field}"`,
        `use one of: ${Object.keys(MANDATE_FIELDS).join(', ')}`,
      );
    return { header, field };
  });
  return columns;
}

/** "Pass numérique – ER-2026-00042 – séances du 01/03/2026 au 31/03/2026", at most 140 characters. */
function mandateObject(m: MandateLine): string {
  const period =
    m.periodFrom && m.periodTo
      ? ` – séances du ${frenchDate(m.periodFrom)} au ${frenchDate(m.periodTo)}`
      : '';
  return `Pass numérique – état de remboursement ${m.statement}${period}`.slice(0, 140);
}

/** The supporting document's file name, in the mandates file and in the documents zip. */
export function statementPdfName(statementNumber: string): string {
  return `${statementNumber}.pdf`;
}

/**
 * The mandate lines of a batch: one per statement, or one per budget imputation when a statement
 * reimburses cheques of programmes charged to different imputations (same statement, same PDF).
 */
export function mandateLines(batch: PaymentBatch, rows: BatchRow[]): MandateLine[] {
  return rows.flatMap((r) =>
    byImputation(r.imputations, Number(r.amount_cents)).map((imp, i) => ({
      batch: batch.number,
      statement: r.number,
      line: i + 1,
      siret: r.association_siret,
      name: r.association_name,
      address: r.association_address,
      iban: r.association_iban,
      bic: r.association_bic,
      chapter: imp.chapter,
      article: imp.article,
      function: imp.function,
      service: imp.service,
      amountCents: imp.amountCents,
      periodFrom: r.period_from,
      periodTo: r.period_to,
      legalBasis: imp.legalBasis,
      approvedOn: r.approved_on,
      certifiedBy: r.approver_name,
      pdf: statementPdfName(r.number),
    })),
  );
}

type Imputation = Pick<
  StatementImputation,
  'chapter' | 'article' | 'function' | 'service' | 'legalBasis' | 'amountCents'
>;

/** The statement's amount split by distinct imputation codes (in the order first met). */
function byImputation(imputations: StatementImputation[], total: number): Imputation[] {
  const groups = new Map<string, Imputation>();
  for (const i of imputations) {
    const key = JSON.stringify([i.chapter, i.article, i.function, i.service]);
    const group = groups.get(key);
    if (group) group.amountCents += i.amountCents;
    else groups.set(key, { ...i, amountCents: i.amountCents });
  }
  const list = [...groups.values()];
  // a statement from before imputations were recorded: one line, no codes
  if (list.length === 0)
    return [
      {
        chapter: null,
        article: null,
        function: null,
        service: null,
        legalBasis: null,
        amountCents: total,
      },
    ];
  return list;
}

/**
 * Why a statement cannot be carried by mandates, or null: split over budget imputations, every
 * part must be positive (a finance software takes no negative mandate; a correction charged to
 * another imputation than the cheques it offsets must wait for a statement of its own programme).
 */
export function mandateSplitRefusal(
  imputations: StatementImputation[],
  totalCents: number,
): string | null {
  const parts = byImputation(imputations, totalCents);
  const sum = parts.reduce((s, p) => s + p.amountCents, 0);
  if (sum !== totalCents) return `imputations add up to ${sum}, not ${totalCents}`;
  const bad = parts.find((p) => p.amountCents <= 0);
  return bad
    ? `a budget imputation (${[bad.chapter, bad.article, bad.function].join('-')}) would be paid ${bad.amountCents} cents`
    : null;
}

/** The mandates CSV (UTF-8 with BOM, `;`, CRLF): the same bytes for the same batch and columns. */
export function mandatesCsv(
  batch: PaymentBatch,
  rows: BatchRow[],
  columns: MandateColumn[],
): string {
  return (
    CSV_BOM +
    csvLine(columns.map((c) => c.header)) +
    mandateLines(batch, rows)
      .map((m) => csvLine(columns.map((c) => MANDATE_FIELDS[c.field](m))))
      .join('')
  );
}
