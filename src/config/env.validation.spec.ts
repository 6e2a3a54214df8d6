import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnv } from './env.validation';

describe('validateEnv', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'pn-env-'));

  it('applies defaults and derives PUBLIC_BASE_URL from PORT', () => {
    const env = validateEnv({ DATA_DIR: dataDir(), PORT: '8080' });
    expect(env).toMatchObject({
      PORT: 8080,
      NODE_ENV: 'development',
      MIGRATIONS_RUN: true,
      LOG_LEVEL: 'info',
    });
    expect(env.PUBLIC_BASE_URL).toBe('http://localhost:8080');
  });

  it('names every wrong variable', () => {
    expect(() =>
      validateEnv({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
    ).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL|PORT[\s\S]*LOG_LEVEL[\s\S]*DATABASE_URL/);
    expect(() => validateEnv({ MIGRATIONS_RUN: 'maybe' })).toThrow(/MIGRATIONS_RUN/);
    expect(() => validateEnv({ JWT_SECRET: 'short' })).toThrow(
      /JWT_SECRET: JWT_SECRET must be at least 32/,
    );
  });

  it('TRUST_PROXY: the proxies, as proxy-addr reads them; never a range that trusts everyone', () => {
    for (const ok of ['loopback', '127.0.0.1', '10.0.0.0/8, ::1', 'uniquelocal,192.0.2.10']) {
      expect(validateEnv({ DATA_DIR: dataDir(), TRUST_PROXY: ok }).TRUST_PROXY).toBe(ok);
    }
    for (const bad of [
      '0.0.0.0/0',
      '::/0',
      '::ffff:0.0.0.0/96',
      'fe80::1%eth0',
      'foo',
      '10.0.0.0/33',
      '',
    ]) {
      if (bad === '')
        expect(validateEnv({ DATA_DIR: dataDir(), TRUST_PROXY: bad }).TRUST_PROXY).toBeUndefined();
      else
        expect(() => validateEnv({ DATA_DIR: dataDir(), TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });

  it('requires JWT_SECRET and DATABASE_URL in production', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: required when NODE_ENV=production[\s\S]*TOTP_KEY: required[\s\S]*DATABASE_URL: required/,
    );
  });

  it('generates a JWT secret once, kept under DATA_DIR with mode 0600', () => {
    const dir = dataDir();
    const a = validateEnv({ DATA_DIR: dir });
    const b = validateEnv({ DATA_DIR: dir });
    expect(a.JWT_SECRET).toHaveLength(64);
    expect(b.JWT_SECRET).toBe(a.JWT_SECRET);
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(a.JWT_SECRET);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });
});
