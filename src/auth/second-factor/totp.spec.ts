import { AppConfig } from '../../config/app-config';
import { SecretSealer } from './secret-sealer';
import {
  asRecoveryCode,
  asTotpCode,
  newRecoveryCode,
  newTotpSecret,
  recoveryCodeHash,
  totpStep,
  totpUri,
} from './totp';

// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890", in base32
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP (RFC 6238)', () => {
  it('gives the RFC’s test vectors (last six digits) and the step they belong to', () => {
    // T = 59 s → 94287082; T = 1111111109 s → 07081804; T = 1234567890 s → 89005924
    expect(totpStep(RFC_SECRET, '287082', 59_000)).toBe(1);
    expect(totpStep(RFC_SECRET, '081804', 1_111_111_109_000)).toBe(37_037_036);
    expect(totpStep(RFC_SECRET, '005924', 1_234_567_890_000)).toBe(41_152_263);
  });

  it('accepts one step early or late, no further', () => {
    const at = 1_111_111_109_000; // step 37 037 036
    expect(totpStep(RFC_SECRET, '081804', at + 30_000)).toBe(37_037_036);
    expect(totpStep(RFC_SECRET, '081804', at - 30_000)).toBe(37_037_036);
    expect(totpStep(RFC_SECRET, '081804', at + 60_000)).toBeNull();
    expect(totpStep(RFC_SECRET, '000000', at)).toBeNull();
  });

  it('reads codes as typed', () => {
    expect(asTotpCode(' 123 456 ')).toBe('123456');
    expect(asTotpCode('12345')).toBeNull();
    expect(asTotpCode('12345a')).toBeNull();
    const code = newRecoveryCode();
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$/);
    expect(asRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toBe(code.replace(/-/g, ''));
    expect(asRecoveryCode('ABCD-EFGH-IJKL-MNOP')).toBeNull(); // I and L are not in the alphabet
    expect(recoveryCodeHash(code)).toBe(recoveryCodeHash(code.toLowerCase()));
    expect(recoveryCodeHash(code)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('makes 160-bit secrets and the otpauth address apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri(secret, 'agent@cd.test'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});

describe('SecretSealer', () => {
  const sealer = (key: string) => new SecretSealer({ get: () => key } as unknown as AppConfig);
  const a = sealer('a'.repeat(40));

  it('opens what it sealed for the same account only, with the same key only', () => {
    const sealed = a.seal('GEZDGNBV', 'user-1');
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(sealed).not.toContain('GEZDGNBV');
    expect(a.seal('GEZDGNBV', 'user-1')).not.toBe(sealed); // a new IV each time
    expect(a.open(sealed, 'user-1')).toBe('GEZDGNBV');
    expect(() => a.open(sealed, 'user-2')).toThrow();
    expect(() => sealer('b'.repeat(40)).open(sealed, 'user-1')).toThrow();
    const [v, iv, text, tag] = sealed.split('.');
    const flipped = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    expect(() => a.open([v, iv, flipped, tag].join('.'), 'user-1')).toThrow();
    expect(() => a.open('v2.x.y.z', 'user-1')).toThrow();
    // a tag cut short (Node would check only its first 4 bytes): refused
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => a.open([v, iv, text, short].join('.'), 'user-1')).toThrow();
  });
});
