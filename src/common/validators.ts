import { ValidateBy } from 'class-validator';
import { isValidBIC, isValidIBAN, electronicFormatIBAN } from 'ibantools';

/** YYYY-MM-DD that is a real calendar day. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export const IsCalendarDate = (): PropertyDecorator =>
  ValidateBy({
    name: 'isCalendarDate',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isCalendarDate(value),
      defaultMessage: () => '$property must be a calendar date YYYY-MM-DD',
    },
  });

/**
 * SIRET: 14 digits with a Luhn checksum, except La Poste's establishments (SIREN 356000000), whose
 * SIRET digits must add up to a multiple of 5 instead.
 */
export function isValidSiret(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith('356000000')) {
    if (siret === '35600000000048') return true; // La Poste's head office, valid under Luhn too
    const sum = [...siret].reduce((s, c) => s + Number(c), 0);
    return sum % 5 === 0;
  }
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let digit = Number(siret[13 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** IBAN in electronic format (no spaces, upper case) when valid, otherwise undefined. */
export function normalizeIban(input: string): string | undefined {
  const electronic = electronicFormatIBAN(input);
  return electronic && isValidIBAN(electronic) ? electronic : undefined;
}

export function isBic(input: string): boolean {
  return isValidBIC(input.toUpperCase());
}

/** FR76 3000 6000 0112 3456 7890 189 → FR76 •••• •••• •••• •••• •••• 189 */
export function maskIban(iban: string): string {
  const groups = iban.match(/.{1,4}/g) ?? [];
  return groups.map((g, i) => (i === 0 || i === groups.length - 1 ? g : '••••')).join(' ');
}
