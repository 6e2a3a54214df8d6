import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MaxLength,
  MinLength,
  Validate,
  validateSync,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { errnoCode, StartupError } from '../common/startup-error';
import { normalizeIban } from '../common/validators';
import { passwordWeakness } from '../common/password-policy';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
/** An integer setting read from a string, within bounds. */
const IntSetting = (min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator =>
  applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  value === '' ? undefined : value;

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: named ranges, addresses or CIDR ranges, checked by proxy-addr itself (what Express
 * will use), and refused when they would trust everyone: a /0, an IPv4-mapped IPv6 range (it
 * covers IPv4 clients), or a zone id that matches nothing.
 */
@ValidatorConstraint({ name: 'trustProxyList' })
class TrustProxyList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const items = value.split(',').map((s) => s.trim());
    if (items.some((item) => !PROXY_NAMES.has(item) && !isIP(item.split('/')[0]))) return false;
    if (items.some((item) => /\/0+$|^::ffff:|%/i.test(item))) return false;
    try {
      proxyaddr.compile(items);
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'TRUST_PROXY must list the proxies: addresses or CIDR ranges (not /0), or loopback, linklocal, uniquelocal, comma-separated';
  }
}

/** Every setting the service reads, with its default. Validated once at boot. */
export class EnvironmentVariables {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IntSetting(0, 65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL',
  })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = './.data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  JWT_SECRET?: string;

  @IntSetting(60, 7 * 24 * 3600)
  JWT_TTL_SECONDS = 8 * 3600;

  /**
   * Key that seals the TOTP secrets of the second factor at rest (AES-256-GCM). Required in
   * production; otherwise generated once and kept in DATA_DIR/totp-key. Lost or changed: every
   * second factor must be enrolled again.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'TOTP_KEY must be at least 32 characters long' })
  TOTP_KEY?: string;

  /**
   * Wrong second-factor codes allowed per account in LOGIN_RATE_WINDOW_SECONDS, over every
   * sign-in (each sign-in allows 5): beyond, the second step answers 429 until the window ends.
   */
  @IntSetting(1, 100)
  SECOND_FACTOR_FAILURES_PER_ACCOUNT = 10;

  /**
   * And per account in a day (24 h from the first wrong code): window after window, a patient
   * guesser has no more than this (30 a day: about 1 chance in 11 000 of a right code).
   */
  @IntSetting(1, 1000)
  SECOND_FACTOR_FAILURES_PER_DAY = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({ require_tld: false })
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'ADMIN_PASSWORD must be at least 12 characters long' })
  ADMIN_PASSWORD?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  /**
   * Failed sign-ins allowed, on the API and the pages together (one set of counters), in
   * LOGIN_RATE_WINDOW_SECONDS: per IP, and per account from one IP (the real user, elsewhere, is
   * not locked out by someone else's guesses).
   */
  @IntSetting(1)
  LOGIN_RATE_LIMIT_PER_IP = 20;

  @IntSetting(1)
  LOGIN_RATE_LIMIT_PER_EMAIL = 5;

  @IntSetting(1)
  LOGIN_RATE_WINDOW_SECONDS = 15 * 60;

  /**
   * Failed sign-ins allowed per account from all IPs together, in LOGIN_ACCOUNT_WINDOW_SECONDS:
   * the slower limit against guesses spread over many addresses.
   */
  @IntSetting(1)
  LOGIN_RATE_LIMIT_PER_ACCOUNT = 30;

  @IntSetting(60)
  LOGIN_ACCOUNT_WINDOW_SECONDS = 3600;

  /**
   * Single sign-ons begun per IP (an IPv6 /64) in LOGIN_RATE_WINDOW_SECONDS: each one keeps a
   * row for its answer, so an anonymous flood must not grow it without bound.
   */
  @IntSetting(1)
  SSO_BEGIN_LIMIT_PER_IP = 60;

  /** Password-reset requests allowed per IP, and per e-mail address, in an hour. */
  @IntSetting(1)
  PASSWORD_RESET_LIMIT = 5;

  /**
   * The SMTP server e-mail leaves through (`smtp://user:pass@host:587`, `smtps://…:465`). Unset:
   * messages are kept in the outbox, listed on /admin/messages, and sent once it is set.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /** The sender of every message. */
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  MAIL_FROM = 'Pass numérique <ne-pas-repondre@localhost>';

  /** Whether this instance sends the outbox's messages (any number of instances may). */
  @Transform(toBool)
  @IsBoolean()
  MAIL_WORKER_ENABLED = true;

  /** How often the mail worker looks for messages due. */
  @IntSetting(1, 3600)
  MAIL_POLL_SECONDS = 10;

  /** After a failed attempt, the wait before the next one: this, doubled each time, up to an hour. */
  @IntSetting(1, 3600)
  MAIL_RETRY_BASE_SECONDS = 60;

  /** Attempts after which a message is given up (FAILED, shown to administrators, resent by hand). */
  @IntSetting(1, 100)
  MAIL_MAX_ATTEMPTS = 10;

  /** Whether this instance writes the daily reminders (accreditations and programmes ending in 30 days). */
  @Transform(toBool)
  @IsBoolean()
  REMINDERS_JOB_ENABLED = true;

  /**
   * Single sign-on through OpenID Connect (ProConnect, or the département's own provider): the
   * issuer's URL, whose /.well-known/openid-configuration is read at start. Unset: no SSO.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OIDC_ISSUER must be an http(s):// URL' })
  OIDC_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  OIDC_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'OIDC_CLIENT_SECRET must be at least 8 characters long' })
  OIDC_CLIENT_SECRET?: string;

  /** The provider's name on the sign-in button (« Se connecter avec … »). */
  @IsString()
  @MinLength(2)
  @MaxLength(60)
  OIDC_PROVIDER_NAME = 'ProConnect';

  /** Scopes asked (ProConnect: openid email given_name usual_name siret uid). */
  @IsString()
  @Matches(/^openid( [\w:.-]+)*$/, {
    message: 'OIDC_SCOPES must start with openid, space-separated',
  })
  OIDC_SCOPES = 'openid email given_name usual_name siret uid';

  /** acr_values asked of the provider (ProConnect: eidas1), if any. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w:./-]+( [\w:./-]+)*$/, { message: 'OIDC_ACR_VALUES: space-separated values' })
  OIDC_ACR_VALUES?: string;

  /**
   * Whether a sign-in through the provider that asserts a second factor (an `amr` of
   * OIDC_MFA_AMR, or an `acr` of OIDC_MFA_ACR, in the ID token) spares this service's own.
   */
  @IsIn(['on', 'off'])
  OIDC_MFA_TRUST: 'on' | 'off' = 'on';

  /** `amr` values (RFC 8176) that mean the provider checked a second factor. */
  @IsString()
  @Matches(/^[\w:./-]+( [\w:./-]+)*$/, { message: 'OIDC_MFA_AMR: space-separated values' })
  OIDC_MFA_AMR = 'mfa';

  /** `acr` values that mean the provider checked a second factor (ProConnect: eidas2, eidas3). */
  @IsString()
  @Matches(/^[\w:./-]+( [\w:./-]+)*$/, { message: 'OIDC_MFA_ACR: space-separated values' })
  OIDC_MFA_ACR = 'eidas2 eidas3';

  /** Claims read from the ID token and userinfo: the e-mail, the SIRET, the given and family names. */
  @IsString()
  @Matches(/^\w+$/)
  OIDC_EMAIL_CLAIM = 'email';

  @IsString()
  @Matches(/^\w+$/)
  OIDC_SIRET_CLAIM = 'siret';

  @IsString()
  @Matches(/^\w+$/)
  OIDC_GIVEN_NAME_CLAIM = 'given_name';

  @IsString()
  @Matches(/^\w+$/)
  OIDC_FAMILY_NAME_CLAIM = 'usual_name';

  /**
   * How an e-mail is known to be verified, which alone lets it link to an existing account:
   * `claim` (email_verified must be true), or `provider` (the provider verifies every address, as
   * ProConnect does, which sends no email_verified).
   */
  @IsIn(['claim', 'provider'])
  OIDC_EMAIL_VERIFIED: 'claim' | 'provider' = 'claim';

  /** The algorithm the provider signs userinfo answers with (ProConnect: RS256); unset: plain JSON. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['RS256', 'PS256', 'ES256', 'EdDSA'])
  OIDC_USERINFO_SIGNED_ALG?: string;

  /** How many days back a workshop's session date may be when its cheques are redeemed. */
  @IntSetting(0, 90)
  REDEMPTION_BACKDATE_DAYS = 7;

  /** How many days an association (or an administrator) may cancel a redemption. */
  @IntSetting(0, 90)
  REDEMPTION_CANCEL_DAYS = 7;

  /** Failed cheque lookups (unknown code, wrong check character) allowed per user and per IP per window. */
  @IntSetting(1)
  LOOKUP_FAILURE_LIMIT = 30;

  @IntSetting(1)
  LOOKUP_FAILURE_WINDOW_SECONDS = 600;

  /**
   * Years after a programme's claim deadline during which its beneficiaries' personal data is
   * kept (accounting justification of the aid); then it is erased by the retention job.
   */
  @IntSetting(1, 30)
  PERSONAL_DATA_RETENTION_YEARS = 3;

  /** Whether this instance runs the daily retention job (03:00, Europe/Paris). */
  @Transform(toBool)
  @IsBoolean()
  RETENTION_JOB_ENABLED = true;

  /** Public cheque checks (the QR's page) allowed per IP per window. */
  @IntSetting(1)
  PUBLIC_CHECK_LIMIT = 60;

  @IntSetting(1)
  PUBLIC_CHECK_WINDOW_SECONDS = 60;

  /** The département's account, debited by the SEPA payment file. */
  @IsString()
  @MinLength(2)
  @MaxLength(140)
  PAYER_NAME = 'Département';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  PAYER_IBAN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, { message: 'PAYER_BIC must be a BIC' })
  PAYER_BIC?: string;

  /**
   * Columns of the mandates file for the finance software: `Header=field` pairs separated by
   * commas (fields: see the README); unset, the documented default columns.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  MANDATE_CSV_COLUMNS?: string;

  /** Days from a statement's approval within which the département aims to pay it. */
  @IntSetting(1, 365)
  PAYMENT_DELAY_DAYS = 30;

  /** Days after printing from which a booklet still in stock at a site counts as aged. */
  @IntSetting(1, 3650)
  STOCK_AGEING_DAYS = 90;

  /** How many accredited associations a covering letter and a booklet's page list. */
  @IntSetting(1, 10)
  NEARBY_ASSOCIATIONS = 5;

  /** The département's contact printed on covers and letters (phone, e-mail or address). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  DEPARTEMENT_CONTACT?: string;

  /** At start, how long to wait for a DATABASE_URL server that refuses connections (still starting). */
  @IntSetting(0, 600)
  DATABASE_CONNECT_WAIT_SECONDS = 10;

  /**
   * As root, where the embedded server's programs and (when its user cannot reach DATA_DIR) its
   * cluster are kept, owned so that the `postgres` user reaches them.
   */
  @IsString()
  @Matches(/^\//, { message: 'EMBEDDED_SYSTEM_DIR must be an absolute path' })
  EMBEDDED_SYSTEM_DIR = '/var/lib/pass-numerique';

  /**
   * Which proxies may tell the client's address in X-Forwarded-For: comma-separated addresses or
   * CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`). Unset: none, the socket's address counts.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Validate(TrustProxyList)
  TRUST_PROXY?: string;

  /** Bearer token that GET /metrics requires; unset: /metrics answers 404. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  /** On SIGTERM, how long requests in flight may take to finish before the service stops anyway. */
  @IntSetting(1, 600)
  SHUTDOWN_GRACE_SECONDS = 20;

  /** Maximum accepted JSON body. */
  @IsString()
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 100kb or 1mb' })
  BODY_LIMIT = '1mb';
}

export interface AppEnv extends EnvironmentVariables {
  PUBLIC_BASE_URL: string;
  JWT_SECRET: string;
  TOTP_KEY: string;
  DATA_DIR: string;
}

/**
 * Validates the raw environment and completes it: absolute DATA_DIR, PUBLIC_BASE_URL default,
 * a JWT secret and a TOTP key generated once and kept under DATA_DIR outside production.
 * Throws an Error naming every wrong variable, which stops the boot.
 */
export function validateEnv(raw: Record<string, unknown>): AppEnv {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  // One message per variable: the first rule it breaks.
  const messages = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {})[0]}`);
  if (env.PAYER_IBAN !== undefined) {
    const iban = normalizeIban(env.PAYER_IBAN);
    if (iban) env.PAYER_IBAN = iban;
    else messages.push('PAYER_IBAN: not a valid IBAN');
  }
  if (env.ADMIN_PASSWORD && env.ADMIN_PASSWORD.length >= 12) {
    const weakness = passwordWeakness(env.ADMIN_PASSWORD, [env.ADMIN_EMAIL]);
    if (weakness) messages.push(`ADMIN_PASSWORD: too easy to guess (« ${weakness} »)`);
  }
  const sso = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
  if (sso.some(Boolean) && !sso.every(Boolean))
    messages.push('OIDC_ISSUER: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together');
  if (env.NODE_ENV === 'production') {
    if (!env.JWT_SECRET) messages.push('JWT_SECRET: required when NODE_ENV=production');
    if (!env.TOTP_KEY) messages.push('TOTP_KEY: required when NODE_ENV=production');
    if (!env.DATABASE_URL) messages.push('DATABASE_URL: required when NODE_ENV=production');
  }
  if (messages.length > 0) {
    throw new StartupError(
      `invalid setting${messages.length > 1 ? 's' : ''}: ${messages.join('; ')}`,
      'correct the environment variable (see README, Configuration)',
    );
  }
  const dataDir = resolve(env.DATA_DIR);
  return Object.assign(env, {
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    JWT_SECRET: env.JWT_SECRET ?? persistentSecret(dataDir, 'jwt-secret'),
    TOTP_KEY: env.TOTP_KEY ?? persistentSecret(dataDir, 'totp-key'),
  });
}

/**
 * Creates DATA_DIR when missing (0700: it keeps secrets) and checks that this process can write
 * in it; otherwise a StartupError names the folder and the fix.
 */
export function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(
      `DATA_DIR ${dataDir} cannot be written by user ${userInfo().username} (${errnoCode(err) ?? String(err)})`,
      "set DATA_DIR to a folder this user can write, or fix that folder's owner",
    );
  }
}

/** A random secret created on first use and kept (mode 0600) so sessions survive restarts. */
export function persistentSecret(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length >= 32) return value;
  }
  prepareDataDir(dataDir);
  const value = randomBytes(48).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return value;
}
