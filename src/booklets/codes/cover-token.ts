import { randomBytes } from 'node:crypto';
import { ALPHABET } from './cheque-code';

/** Characters of a cover token: 20 Crockford characters, 100 random bits (CSPRNG). */
export const COVER_TOKEN_LENGTH = 20;

/**
 * The token of a booklet's cover QR (`/carnet/<token>`): unguessable and unrelated to the booklet
 * number, so that knowing a number (printed, sequential) tells nothing about a booklet's page. Upper
 * case Crockford, so the URL fits the QR alphanumeric mode.
 */
export function generateCoverToken(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(13);
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < COVER_TOKEN_LENGTH; i++) {
    out += ALPHABET[Number(value & 31n)];
    value >>= 5n;
  }
  return out;
}

/** A token as read from a URL or typed: upper case, Crockford's look-alikes mapped; null if not one. */
export function normalizeCoverToken(raw: string): string | null {
  const t = raw.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  // 20 characters; 32 (hexadecimal) for the booklets printed before cover tokens existed
  return new RegExp(`^[${ALPHABET}]{${COVER_TOKEN_LENGTH},32}$`).test(t) ? t : null;
}
