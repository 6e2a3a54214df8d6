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
