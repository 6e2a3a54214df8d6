import { parse } from 'csv-parse/sync';
import { isCalendarDate } from '../common/validators';

/**
 * The payment results file exported by the département's finance software (or typed by its
 * staff): one line per statement paid, naming it by our statement number, with its mandate
 * number, the amount paid, the payment date and the mandate or payment reference. Parsed
 * here without any database: the batch's service matches the lines to its statements.
 */

/** One line of the file, as read (null: missing or unreadable, with an error for it). */
export interface ResultLine {
  /** 2 for the first line after the header: the line number a spreadsheet shows. */
  line: number;
  statementNumber: string | null;
  mandateNumber: string | null;
  amountCents: number | null;
  paidOn: string | null;
  paymentReference: string | null;
}

export interface LineProblem {
  line: number;
  message: string;
}

/** The column names understood, compared without case, accents, spaces or punctuation. */
const COLUMNS = {
  statementNumber: [
    'numeroetat',
    'etat',
    'numeroetatderemboursement',
    'statement',
    'statementnumber',
  ],
  mandateNumber: ['numeromandat', 'mandat', 'nmandat', 'mandate', 'mandatenumber'],
  amountCents: ['montant', 'montantpaye', 'montantttc', 'amount'],
  paidOn: ['datepaiement', 'datedepaiement', 'datereglement', 'date', 'paidon'],
  paymentReference: [
    'referencepaiement',
    'referencedepaiement',
    'reference',
    'refpaiement',
    'paymentreference',
  ],
} as const;

type Column = keyof typeof COLUMNS;

const normalize = (header: string) =>
  header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,49}$/;

/** At most this many lines: a batch never has more statements. */
export const MAX_RESULT_LINES = 10_000;

/**
 * Reads a results file: UTF-8 (a BOM is skipped), `;`, `,` or tab separated (the header's most
 * frequent one), a header line naming the columns. Amounts in euros with a comma or a point
 * ("1 234,50", "1234.5"); dates as 31/12/2026 or 2026-12-31.
 */
export function parseResults(text: string): { lines: ResultLine[]; problems: LineProblem[] } {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [';', ',', '\t'].reduce((best, d) =>
    firstLine.split(d).length > firstLine.split(best).length ? d : best,
  );
  let rows: string[][];
  try {
    const records: unknown = parse(text, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      // the header, the most lines accepted, and one more to tell that there were more
      to: MAX_RESULT_LINES + 2,
    });
    rows = records as string[][];
  } catch (err) {
    return {
      lines: [],
      problems: [{ line: 0, message: `fichier illisible : ${(err as Error).message}` }],
    };
  }
  if (rows.length === 0) return { lines: [], problems: [{ line: 0, message: 'fichier vide' }] };
  if (rows.length > MAX_RESULT_LINES + 1)
    return { lines: [], problems: [{ line: 0, message: `plus de ${MAX_RESULT_LINES} lignes` }] };
  const [header, ...body] = rows;
  const index: Partial<Record<Column, number>> = {};
  header.forEach((name, i) => {
    const n = normalize(name);
    for (const column of Object.keys(COLUMNS) as Column[])
      if (index[column] === undefined && (COLUMNS[column] as readonly string[]).includes(n))
        index[column] = i;
  });
  const missing: string[] = [];
  // the statement number names what is paid; the mandate number is the finance software's
  if (index.statementNumber === undefined) missing.push('numero_etat');
  if (index.amountCents === undefined) missing.push('montant');
  if (index.paidOn === undefined) missing.push('date_paiement');
  if (missing.length > 0)
    return {
      lines: [],
      problems: [
        {
          line: 1,
          message: `${missing.length > 1 ? 'colonnes manquantes' : 'colonne manquante'} : ${missing.join(', ')}`,
        },
      ],
    };
  if (body.length === 0) return { lines: [], problems: [{ line: 0, message: 'aucune ligne' }] };

  const problems: LineProblem[] = [];
  const lines = body.map((cells, i) => {
    const line = i + 2;
    const cell = (c: Column) => {
      const at = index[c];
      const value = at === undefined ? '' : (cells[at] ?? '').trim();
      return value === '' ? null : value;
    };
    const wrong = (message: string) => problems.push({ line, message });
    const amount = cell('amountCents');
    const amountCents = amount === null ? null : parseAmount(amount);
    if (amountCents === null) wrong(`montant illisible : « ${amount ?? ''} »`);
    const date = cell('paidOn');
    const paidOn = date === null ? null : parseDate(date);
    if (paidOn === null) wrong(`date de paiement illisible : « ${date ?? ''} »`);
    const statementNumber = cell('statementNumber');
    const mandateNumber = cell('mandateNumber');
    if (statementNumber === null) wrong("numéro d'état manquant");
    const paymentReference = cell('paymentReference') ?? mandateNumber;
    if (paymentReference === null) wrong('ni référence de paiement ni numéro de mandat');
    for (const [what, value] of [
      ['numéro de mandat', mandateNumber],
      ['référence de paiement', paymentReference],
    ] as const)
      if (value !== null && !REFERENCE.test(value))
        wrong(`${what} invalide (1 à 50 lettres, chiffres, espaces ou . / _ -) : « ${value} »`);
    return { line, statementNumber, mandateNumber, amountCents, paidOn, paymentReference };
  });
  return { lines, problems };
}

/** "1 234,50" / "1234.5" / "30" / "30,00 €" → cents; anything else → null. */
export function parseAmount(text: string): number | null {
  const s = text.replace(/[\s\u00a0\u202f€]/g, '');
  const m = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

/** "31/12/2026" / "2026-12-31" → "2026-12-31"; anything else → null. */
export function parseDate(text: string): string | null {
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  const iso = fr ? `${fr[3]}-${fr[2]}-${fr[1]}` : text;
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) && isCalendarDate(iso) ? iso : null;
}
