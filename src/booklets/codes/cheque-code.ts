import { randomBytes } from 'node:crypto';

/**
 * Cheque codes: 65 random bits (CSPRNG) written as 13 Crockford Base32 characters, then one check
 * character: the value mod 37 (Crockford's check). Codes whose check would be one of Crockford's
 * five extra check symbols (* ~ $ = U) are drawn again, so every printed character is one of the
 * 32 easy ones; the code space stays above 2^64. Mod 37 catches every single wrong character and
 * every swap of two neighbours.
 *
 * Printed in groups of four: `7K2M-9QXD-4TRB-WX`. Stored without dashes.
 */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DATA_CHARS = 13;
const DATA_BITS = 65n;
export const CODE_LENGTH = DATA_CHARS + 1;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

function decode(chars: string): bigint {
  let value = 0n;
  for (const c of chars) value = (value << 5n) | BigInt(ALPHABET.indexOf(c));
  return value;
}

export function generateChequeCode(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    let value = 0n;
    for (const b of random(9)) value = (value << 8n) | BigInt(b);
    value &= (1n << DATA_BITS) - 1n;
    const check = Number(value % 37n);
    if (check < 32) return encode(value, DATA_CHARS) + ALPHABET[check];
  }
}

export function formatChequeCode(code: string): string {
  return code.match(/.{1,4}/g)!.join('-');
}

export type ParsedCode =
  { ok: true; code: string } | { ok: false; reason: 'MALFORMED' | 'CHECK_FAILED' };

/**
 * Reads what a person typed or a scanner read: any case, with or without dashes or spaces,
 * O read as 0 and I/L as 1 (Crockford's folding). A wrong check character is a probable typo.
 */
export function parseChequeCode(input: string): ParsedCode {
  const normalized = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (normalized.length !== CODE_LENGTH || [...normalized].some((c) => !ALPHABET.includes(c))) {
    return { ok: false, reason: 'MALFORMED' };
  }
  const value = decode(normalized.slice(0, DATA_CHARS));
  const check = ALPHABET.indexOf(normalized[DATA_CHARS]);
  if (Number(value % 37n) !== check) return { ok: false, reason: 'CHECK_FAILED' };
  return { ok: true, code: normalized };
}
