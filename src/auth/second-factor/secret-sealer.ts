import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';

const VERSION = 'v1';
const TAG_BYTES = 16;

/**
 * Seals the TOTP secrets kept in the database (AES-256-GCM, a key derived from TOTP_KEY by HKDF):
 * a copy of the database alone does not give anyone the codes. Sealed text:
 * `v1.<iv>.<ciphertext>.<tag>` in base64url; the account id is bound as associated data, so a
 * secret copied onto another account does not open.
 */
@Injectable()
export class SecretSealer {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.get('TOTP_KEY'), 'pass-numerique', 'totp-secret v1', 32),
    );
  }

  seal(plain: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, sealed, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plain secret; throws if the text was altered, sealed for another account or another key. */
  open(sealed: string, boundTo: string): string {
    const [version, iv, text, tag] = sealed.split('.');
    if (version !== VERSION || !iv || !text || !tag) throw new Error('unknown sealed secret');
    // the whole 16-byte tag, never a shorter one (Node would accept 4 bytes without the option)
    const fullTag = Buffer.from(tag, 'base64url');
    if (fullTag.length !== TAG_BYTES) throw new Error('sealed secret altered');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(fullTag);
    return Buffer.concat([
      decipher.update(Buffer.from(text, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
