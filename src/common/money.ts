import type { ValueTransformer } from 'typeorm';

/**
 * Money is integer cents. PostgreSQL bigint arrives as a string from the driver; amounts of this
 * scheme stay far below 2^53 cents, so they are handled as safe integers in TypeScript and checked.
 */
export const bigintCents: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null): number | null => {
    if (value === null || value === undefined) return null;
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new Error(`amount out of safe range: ${value}`);
    return n;
  },
};

const EUROS = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });

/** 123400 → "1 234,00 €" (French formatting, narrow no-break spaces as Intl writes them). */
export function formatEuros(cents: number): string {
  return EUROS.format(cents / 100);
}

/** The same for PDF text (WinAnsi): Intl's narrow no-break space becomes a plain no-break space. */
export function pdfEuros(cents: number): string {
  return formatEuros(cents).replace(/\u202f/g, '\u00a0');
}

/**
 * An amount typed by a person, in euros, to integer cents without floating point: "49 600,00",
 * "49600", "10,5", "1 234 €", "10.50" → 4960000, 4960000, 1050, 123400, 1050; null when it is
 * not an amount (a sign, three decimals, letters).
 */
export function parseEuros(text: string): number | null {
  // spaces only between groups of three digits ("10 50" is not an amount), and around the sign
  const m = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})*|\d{1,12})(?:[.,](\d{1,2}))?$/.exec(
    text.trim().replace(/\s*€$/, ''),
  );
  if (!m) return null;
  const euros = m[1].replace(/[ \u00a0\u202f]/g, '');
  if (euros.length > 12) return null;
  return Number(euros) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Cents as a person types them back in a form: 4960000 → "49600,00". */
export function typedEuros(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}
