import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as RFC 6238 and every authenticator app have it (SHA-1, 6 digits, 30 s), through the
 * `otpauth` library. A code is accepted one step early or late (a phone's clock a little off),
 * and each step only once per account: the caller keeps the last step used.
 */
const PERIOD = 30;
const DIGITS = 6;
const WINDOW = 1;
const ISSUER = 'Pass numérique';

function totp(secretBase32: string, label = ''): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new secret: 160 random bits (RFC 4226's recommended length), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, email: string): string {
  return totp(secretBase32, email).toString();
}

/** The step (30-second period since 1970) that `code` belongs to, if it is valid now; else null. */
export function totpStep(secretBase32: string, code: string, now = Date.now()): number | null {
  const t = totp(secretBase32);
  const delta = t.validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : t.counter({ timestamp: now }) + delta;
}

/** Six digits, spaces allowed (« 123 456 »): a TOTP code, as typed. */
export function asTotpCode(typed: string): string | null {
  const code = typed.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

/** The secret as shown for typing by hand: groups of four. */
export function groupedSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Recovery codes: 16 characters without look-alikes (no 0/O, 1/I/L), about 80 bits each. */
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RECOVERY_LENGTH = 16;
export const RECOVERY_CODES = 10;

/** One recovery code, as shown once: « ABCD-EFGH-JKMN-PQRS ». */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) code += RECOVERY_ALPHABET[randomInt(31)];
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** A recovery code as typed (any case, dashes or spaces), or null if it cannot be one. */
export function asRecoveryCode(typed: string): string | null {
  const code = typed.replace(/[\s-]+/g, '').toUpperCase();
  return code.length === RECOVERY_LENGTH && [...code].every((c) => RECOVERY_ALPHABET.includes(c))
    ? code
    : null;
}

/** What is kept of a recovery code: its SHA-256 (80 random bits need no slow hash). */
export function recoveryCodeHash(code: string): string {
  return createHash('sha256')
    .update(asRecoveryCode(code) ?? code, 'utf8')
    .digest('hex');
}
