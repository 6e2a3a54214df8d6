import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * CSV as French spreadsheet software opens it: UTF-8 with BOM, `;` separator, CRLF line ends,
 * fields quoted when needed. Amounts and dates are formatted by the caller.
 */
export const CSV_BOM = '\ufeff';

function field(value: string | number | null | undefined, separator: string): string {
  const s = value === null || value === undefined ? '' : String(value);
  // Neutralise spreadsheet formulas (CSV injection) and quote what needs quoting.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+([.,]\d+)?$/.test(s) ? `'${s}` : s;
  const needsQuotes = /["\r\n]/.test(safe) || safe.includes(separator);
  return needsQuotes ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export type CsvValue = string | number | null | undefined;

/**
 * Streams a CSV file: BOM and header, then every page of rows, one line each, waiting whenever
 * the client reads slower than the rows come (backpressure), then the closing lines; ends `out`.
 */
export async function streamCsv<T>(
  out: Writable,
  header: string[],
  pages: AsyncIterable<T[]>,
  line: (row: T) => CsvValue[],
  closing: CsvValue[][] = [],
): Promise<void> {
  out.write(CSV_BOM + csvLine(header));
  for await (const rows of pages)
    for (const row of rows) if (!out.write(csvLine(line(row)))) await once(out, 'drain');
  for (const values of closing) out.write(csvLine(values));
  out.end();
}

/** One CSV line; `;` for French spreadsheets, `,` where a published standard asks for it. */
export function csvLine(values: CsvValue[], separator: ';' | ',' = ';'): string {
  return values.map((v) => field(v, separator)).join(separator) + '\r\n';
}

/** 123456 cents → "1234,56" (decimal comma, no thousands separator). */
export function csvAmount(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}
