import { createHash, randomBytes } from 'node:crypto';

/**
 * Keys that only their holder has (a sign-in halfway, a single sign-on begun, an invitation or
 * reset link): 256 random bits in base64url (43 characters); the service keeps only their SHA-256.
 */
export const SECRET_KEY_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export const newSecretKey = (): string => randomBytes(32).toString('base64url');

/** A key as it comes from outside: a string of its shape, anything else is no key. */
export const isSecretKey = (key: unknown): key is string =>
  typeof key === 'string' && SECRET_KEY_SHAPE.test(key);

/** What is stored of a key: its SHA-256, in hex. */
export const secretKeyHash = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');
