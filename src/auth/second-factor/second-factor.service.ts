import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isSecretKey, newSecretKey, secretKeyHash } from '../../common/secret-keys';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { frenchDateTime } from '../../common/dates';
import { OutboxService } from '../../mail/outbox.service';
import { Actor } from '../../common/access/role';
import { AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { queryRows } from '../../database/sql';
import { RateLimiter } from '../../security/rate-limiter.service';
import { User } from '../../users/user.entity';
import { ExternalIdentitiesService } from '../../users/external-identities.service';
import { UsersService } from '../../users/users.service';
import { AUTH_ERRORS } from '../auth.errors';
import { LoginChallenge, RecoveryCode, TotpFactor } from './second-factor.entity';
import { SecretSealer } from './secret-sealer';
import {
  asRecoveryCode,
  asTotpCode,
  newRecoveryCode,
  newTotpSecret,
  RECOVERY_CODES,
  recoveryCodeHash,
  totpStep,
  totpUri,
} from './totp';

/** How long the second step may wait: a code (5 min), or setting up an app first (15 min). */
const CHALLENGE_MINUTES = { VERIFY: 5, ENROL: 15 } as const;
/** Codes one sign-in allows before its password must be typed again. */
const CODES_PER_CHALLENGE = 5;
/** How long a set-up begun while signed in may wait for its first code. */
const SETUP_MINUTES = 30;
/** Wrong codes per account in a day (over the shorter window's limit). */
const FAILURES_PER_DAY_WINDOW = 86_400;

/** How the first step of a sign-in was made, and what the provider said of it. */
export interface FirstStep {
  via: 'password' | 'sso';
  next?: string | null;
  /** From the OpenID provider's ID token (single sign-on only). */
  amr?: string[];
  acr?: string | null;
  /** A sign-in through this provider identity once passed this service's own second factor. */
  trustedForMfa?: boolean;
}

/**
 * How a sign-in was proved, as its audit event records it: the first step, then the second
 * (none asked, the provider's own MFA, an app's code, a recovery code, or an app set up now).
 */
export interface SignInMethod {
  via: FirstStep['via'];
  secondFactor: 'none' | 'provider' | 'totp' | 'recovery_code' | 'totp_setup';
}

/** After the first step: signed in, or a second step to make with this key. */
export type SecondStep =
  | { kind: 'none'; method: SignInMethod }
  | { kind: 'challenge'; purpose: 'VERIFY' | 'ENROL'; key: string; expiresIn: number };

/** A second step made: the account, where to go, and the recovery codes of a new set-up. */
export interface SecondStepDone {
  user: User;
  next: string | null;
  method: SignInMethod;
  /** Shown once: the codes of a factor set up during this sign-in. */
  recoveryCodes?: string[];
  /** A recovery code was used: how many remain. */
  recoveryCodesLeft?: number;
}

/**
 * An authenticator app to add: the secret, the otpauth:// address its QR code carries, and the
 * set-up itself, sealed, that the one who began it sends back with the first code. Nothing is
 * stored before that code: another sign-in with the same password can neither read this secret
 * nor put its own in its place.
 */
export interface Setup {
  email: string;
  secret: string;
  uri: string;
  token: string;
}

export interface SecondFactorStatus {
  enrolled: boolean;
  /** Mandatory for this account (administrators). */
  required: boolean;
  recoveryCodesLeft: number;
}

/**
 * The second factor (TOTP, RFC 6238): mandatory for administrators, who move money, and
 * optional for everyone else. A sign-in whose first step (password, or OpenID provider) passed
 * becomes a challenge kept here; its second step gives the session. An administrator without a
 * factor sets one up within that second step, so no administrator session ever exists without
 * one. A provider that asserts it checked a second factor (OIDC_MFA_AMR, OIDC_MFA_ACR) spares
 * this one when OIDC_MFA_TRUST is on.
 *
 * Codes are limited: five per sign-in, and SECOND_FACTOR_FAILURES_PER_ACCOUNT wrong ones per
 * account in LOGIN_RATE_WINDOW_SECONDS over every sign-in and every signed-in action. A TOTP step
 * is accepted once per account; a recovery code once. Lock order: the challenge (a single
 * statement, before), then the account, then its factor and codes, then the audit.
 */
@Injectable()
export class SecondFactorService implements OnModuleInit {
  private readonly logger = new Logger(SecondFactorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly sealer: SecretSealer,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly identities: ExternalIdentitiesService,
  ) {}

  /**
   * Whether the OpenID provider's answer says it checked a second factor that this one trusts —
   * only for an identity that once passed this service's own second step (not one linked by
   * e-mail and never past it: whoever links an account through the provider passes this
   * service's second factor once, however often they try).
   */
  providerCheckedMfa(first: FirstStep): boolean {
    if (first.via !== 'sso' || this.config.get('OIDC_MFA_TRUST') !== 'on') return false;
    if (!first.trustedForMfa) return false;
    const amr = this.config.get('OIDC_MFA_AMR').split(' ');
    const acr = this.config.get('OIDC_MFA_ACR').split(' ');
    return (
      (first.amr ?? []).some((m) => amr.includes(m)) || (!!first.acr && acr.includes(first.acr))
    );
  }

  /**
   * After the first step of a sign-in: no second step (no factor, not an administrator, or the
   * provider checked one), or a challenge to answer with a code, or with a new app's first code.
   */
  async afterFirstStep(user: User, first: FirstStep): Promise<SecondStep> {
    const factor = await this.dataSource.getRepository(TotpFactor).findOneBy({ userId: user.id });
    const purpose = factor ? 'VERIFY' : user.role === 'ADMIN' ? 'ENROL' : null;
    if (!purpose) return { kind: 'none', method: { via: first.via, secondFactor: 'none' } };
    // the provider's MFA stands for a code, never for setting an app up: an administrator has one
    if (purpose === 'VERIFY' && this.providerCheckedMfa(first))
      return { kind: 'none', method: { via: first.via, secondFactor: 'provider' } };
    const key = newSecretKey();
    const minutes = CHALLENGE_MINUTES[purpose];
    // an expired sign-in is of no use to anyone: kept no longer — its own statement, holding no
    // lock afterwards, and never waiting for rows another transaction holds
    await this.dataSource.query(
      `DELETE FROM login_challenge WHERE key_hash IN (
         SELECT key_hash FROM login_challenge WHERE expires_at < now()
          LIMIT 100 FOR UPDATE SKIP LOCKED)`,
    );
    await this.dataSource.transaction(async (em) => {
      await em.insert(LoginChallenge, {
        keyHash: secretKeyHash(key),
        userId: user.id,
        purpose,
        via: first.via,
        tokenVersion: user.tokenVersion,
        next: first.next ?? null,
        expiresAt: new Date(Date.now() + minutes * 60_000),
      });
    });
    return { kind: 'challenge', purpose, key, expiresIn: minutes * 60 };
  }

  /**
   * The challenge of `key`, if it is alive and its account unchanged since (active, same token
   * version); its attempts are not counted here.
   */
  private async challenge(key: unknown): Promise<LoginChallenge & { email: string }> {
    const [found] = isSecretKey(key)
      ? await queryRows<LoginChallenge & { email: string }>(
          this.dataSource.manager,
          `SELECT c.user_id AS "userId", c.purpose, u.email
             FROM login_challenge c JOIN app_user u ON u.id = c.user_id
            WHERE c.key_hash = $1 AND c.expires_at > now() AND c.attempts < $2
              AND u.active AND u.token_version = c.token_version`,
          [secretKeyHash(key), CODES_PER_CHALLENGE],
        )
      : [];
    if (!found) throw AUTH_ERRORS.error('SECOND_FACTOR_EXPIRED');
    return found;
  }

  /** What the second step of `key` asks: a code, or an app to set up first. */
  async purposeOf(key: unknown): Promise<'VERIFY' | 'ENROL'> {
    return (await this.challenge(key)).purpose;
  }

  /**
   * The app to set up during a sign-in that asks for it (ENROL): a new secret for this sign-in,
   * sealed in the set-up that comes back with its first code (nothing stored before).
   */
  async enrolment(key: unknown, again?: unknown): Promise<Setup> {
    const challenge = await this.challenge(key);
    if (challenge.purpose !== 'ENROL') throw AUTH_ERRORS.error('SECOND_FACTOR_ALREADY_SET');
    return this.setupFor(challenge.userId, challenge.email, CHALLENGE_MINUTES.ENROL, again);
  }

  /**
   * A new set-up for the account, or — `again`, a set-up of this account still valid, as a page
   * re-shown after a wrong code sends it back — the same one (the app already scanned stays right).
   */
  private setupFor(userId: string, email: string, minutes: number, again?: unknown): Setup {
    const secret = again === undefined ? null : this.setupSecret(again, userId);
    if (typeof secret === 'string')
      return { email, secret, uri: totpUri(secret, email), token: again as string };
    return this.newSetup(userId, email, minutes);
  }

  /** The set-up `token` began for `userId` (sealed for it, not expired): the secret, or why not. */
  private setupSecret(token: unknown, userId: string): string | Error {
    let opened: string | null = null;
    try {
      opened = typeof token === 'string' ? this.sealer.open(token, `setup:${userId}`) : null;
    } catch {
      opened = null;
    }
    const [secret, until] = opened?.split('.') ?? [];
    if (!secret || !(Number(until) > Date.now()))
      return AUTH_ERRORS.fieldError(
        'SECOND_FACTOR_SETUP_INVALID',
        'setup',
        'not a set-up begun for this account, or past its time',
      );
    return secret;
  }

  /**
   * A new app to set up: a new secret, sealed for this account with its time limit (the associated
   * data `setup:<id>` keeps it from ever passing for a stored factor's secret).
   */
  private newSetup(userId: string, email: string, minutes: number): Setup {
    const secret = newTotpSecret();
    const token = this.sealer.seal(`${secret}.${Date.now() + minutes * 60_000}`, `setup:${userId}`);
    return { email, secret, uri: totpUri(secret, email), token };
  }

  /**
   * The second step: a code of the account's app (or a recovery code), or the first code of the
   * app being set up, whose recovery codes then come back once. The challenge is spent by a
   * success, and by its fifth wrong code.
   */
  async answer(key: unknown, typed: string, setup?: unknown): Promise<SecondStepDone> {
    if (!isSecretKey(key)) throw AUTH_ERRORS.error('SECOND_FACTOR_EXPIRED');
    // counted before the code is checked, in its own statement: parallel guesses cannot outrun it
    const [challenge] = await queryRows<{
      user_id: string;
      purpose: 'VERIFY' | 'ENROL';
      via: FirstStep['via'];
      token_version: number;
      next: string | null;
    }>(
      this.dataSource.manager,
      `UPDATE login_challenge SET attempts = attempts + 1
        WHERE key_hash = $1 AND expires_at > now() AND attempts < $2
        RETURNING user_id, purpose, via, token_version, next`,
      [secretKeyHash(key), CODES_PER_CHALLENGE],
    );
    if (!challenge) throw AUTH_ERRORS.error('SECOND_FACTOR_EXPIRED');
    await this.countFailure(challenge.user_id);
    const outcome = await this.dataSource.transaction(
      async (em): Promise<SecondStepDone | Error> => {
        const user = await this.users.lockUser(em, challenge.user_id);
        if (!user.active || user.tokenVersion !== challenge.token_version) {
          await em.delete(LoginChallenge, { keyHash: secretKeyHash(key) });
          return AUTH_ERRORS.error('SECOND_FACTOR_EXPIRED');
        }
        // read again under the account's lock: an answer in parallel that succeeded spent it
        if (!(await em.existsBy(LoginChallenge, { keyHash: secretKeyHash(key) })))
          return AUTH_ERRORS.error('SECOND_FACTOR_EXPIRED');
        const actor = this.users.asActor(user);
        if (challenge.purpose === 'ENROL') {
          const recoveryCodes = await this.confirm(em, actor, typed, setup);
          if (recoveryCodes instanceof Error) return recoveryCodes;
          await em.delete(LoginChallenge, { keyHash: secretKeyHash(key) });
          if (challenge.via === 'sso') await this.identities.recordSecondStep(em, user.id, true);
          return {
            user,
            next: challenge.next,
            method: { via: challenge.via, secondFactor: 'totp_setup' },
            recoveryCodes,
          };
        }
        const used = await this.check(em, actor, typed);
        if (used instanceof Error) return used;
        await em.delete(LoginChallenge, { keyHash: secretKeyHash(key) });
        if (challenge.via === 'sso') await this.identities.recordSecondStep(em, user.id, true);
        return {
          user,
          next: challenge.next,
          method: {
            via: challenge.via,
            secondFactor: used.recoveryCodesLeft === undefined ? 'totp' : 'recovery_code',
          },
          ...used,
        };
      },
    );
    await this.settle(challenge.user_id, challenge.via, outcome);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Checks a code of the account's confirmed app (a step not used before) or one of its recovery
   * codes (then spent, and audited): what was used, or the error to give.
   */
  private async check(
    em: EntityManager,
    actor: Actor,
    typed: string,
  ): Promise<{ recoveryCodesLeft?: number } | Error> {
    const factor = await em.findOne(TotpFactor, {
      where: { userId: actor.id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!factor) return AUTH_ERRORS.error('SECOND_FACTOR_NOT_SET');
    const code = asTotpCode(typed);
    if (code) {
      const secret = this.secretOf(factor);
      if (secret === null) return AUTH_ERRORS.error('SECOND_FACTOR_UNREADABLE');
      const step = totpStep(secret, code);
      // a step at or before the last one used is a code seen already: refused (RFC 6238 §5.2)
      if (step === null || step <= Number(factor.lastStep))
        return AUTH_ERRORS.error('SECOND_FACTOR_INVALID');
      await em.update(TotpFactor, { userId: actor.id }, { lastStep: String(step) });
      return {};
    }
    const recovery = asRecoveryCode(typed);
    if (!recovery) return AUTH_ERRORS.error('SECOND_FACTOR_INVALID');
    const spent = await queryRows<{ id: string }>(
      em,
      `UPDATE recovery_code SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [actor.id, recoveryCodeHash(recovery)],
    );
    if (spent.length === 0) return AUTH_ERRORS.error('SECOND_FACTOR_INVALID');
    const left = await this.codesLeft(em, actor.id);
    await this.audit.record(em, actor, {
      action: 'user.recovery_code_used',
      entityType: 'user',
      entityId: actor.id,
      after: { recoveryCodesLeft: left },
    });
    return { recoveryCodesLeft: left };
  }

  /**
   * The factor's secret, or null when TOTP_KEY cannot open it (the key changed since: a restore
   * without it, a key rotated) — logged, since every code of the account is refused until a reset.
   */
  private secretOf(factor: TotpFactor): string | null {
    try {
      return this.sealer.open(factor.sealedSecret, factor.userId);
    } catch {
      this.logger.error(
        `The TOTP secret of user ${factor.userId} cannot be opened with TOTP_KEY: its codes are refused until an administrator resets it (recovery codes still work)`,
      );
      return null;
    }
  }

  /**
   * Confirms a set-up (`setup`, begun for this account) with a first code from its app: the
   * factor is stored, ten recovery codes are made (only their hashes kept) and returned, to be
   * shown once.
   */
  private async confirm(
    em: EntityManager,
    actor: Actor,
    typed: string,
    setup: unknown,
  ): Promise<string[] | Error> {
    const secret = this.setupSecret(setup, actor.id);
    if (secret instanceof Error) return secret;
    if (await em.existsBy(TotpFactor, { userId: actor.id }))
      return AUTH_ERRORS.error('SECOND_FACTOR_ALREADY_SET');
    const code = asTotpCode(typed);
    const step = code ? totpStep(secret, code) : null;
    if (step === null) return AUTH_ERRORS.error('SECOND_FACTOR_INVALID');
    await em.insert(TotpFactor, {
      userId: actor.id,
      sealedSecret: this.sealer.seal(secret, actor.id),
      confirmedAt: new Date(),
      lastStep: String(step),
    });
    const codes = await this.replaceRecoveryCodes(em, actor.id);
    await this.audit.record(em, actor, {
      action: 'user.second_factor_enrolled',
      entityType: 'user',
      entityId: actor.id,
      after: { method: 'totp', recoveryCodes: codes.length },
    });
    await this.notify(
      em,
      actor.email,
      'Une application d’authentification a été ajoutée à votre compte Pass numérique',
    );
    return codes;
  }

  /**
   * Tells the account's owner by e-mail, in the change's transaction: an app added by someone who
   * knew the password, or a reset nobody asked for, does not go unseen.
   */
  private async notify(em: EntityManager, email: string, change: string): Promise<void> {
    await this.outbox.enqueue(em, 'SECOND_FACTOR_CHANGED', email, {
      change,
      when: frenchDateTime(new Date()),
      link: `${this.config.get('PUBLIC_BASE_URL')}/compte/securite`,
    });
  }

  private async replaceRecoveryCodes(em: EntityManager, userId: string): Promise<string[]> {
    await em.delete(RecoveryCode, { userId });
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await em.insert(
      RecoveryCode,
      codes.map((c) => ({ userId, codeHash: recoveryCodeHash(c) })),
    );
    return codes;
  }

  private async codesLeft(em: EntityManager, userId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM recovery_code WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return row.n;
  }

  // ---- signed in: one's own factor ----

  async status(actor: Actor): Promise<SecondFactorStatus> {
    const factor = await this.dataSource.getRepository(TotpFactor).findOneBy({ userId: actor.id });
    return {
      enrolled: !!factor,
      required: actor.role === 'ADMIN',
      recoveryCodesLeft: factor ? await this.codesLeft(this.dataSource.manager, actor.id) : 0,
    };
  }

  /** Whether these accounts have a confirmed app (for the administrators' pages). */
  async enrolled(userIds: string[]): Promise<Set<string>> {
    const rows = await queryRows<{ user_id: string }>(
      this.dataSource.manager,
      `SELECT user_id FROM totp_factor WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  /**
   * Begins setting up an app on one's own account (optional for everyone but administrators), or
   * shows again the set-up `again`: nothing is stored until `confirmSetup` brings its first code.
   */
  async startSetup(actor: Actor, again?: unknown): Promise<Setup> {
    if (await this.dataSource.getRepository(TotpFactor).existsBy({ userId: actor.id }))
      throw AUTH_ERRORS.error('SECOND_FACTOR_ALREADY_SET');
    return this.setupFor(actor.id, actor.email, SETUP_MINUTES, again);
  }

  /** Confirms one's set-up with a first code: the recovery codes, shown once. */
  async confirmSetup(actor: Actor, typed: string, setup: unknown): Promise<string[]> {
    return this.withCode(actor, (em) => this.confirm(em, actor, typed, setup));
  }

  /** New recovery codes (the old ones end), given a current code. */
  async renewRecoveryCodes(actor: Actor, typed: string): Promise<string[]> {
    return this.withCode(actor, async (em) => {
      const used = await this.check(em, actor, typed);
      if (used instanceof Error) return used;
      const codes = await this.replaceRecoveryCodes(em, actor.id);
      await this.audit.record(em, actor, {
        action: 'user.recovery_codes_renewed',
        entityType: 'user',
        entityId: actor.id,
        after: { recoveryCodes: codes.length },
      });
      return codes;
    });
  }

  /** Removes one's own factor, given a current code; an administrator cannot. */
  async remove(actor: Actor, typed: string): Promise<void> {
    if (actor.role === 'ADMIN') throw AUTH_ERRORS.error('SECOND_FACTOR_MANDATORY');
    await this.withCode(actor, async (em) => {
      const used = await this.check(em, actor, typed);
      if (used instanceof Error) return used;
      await this.dropFactor(em, actor.id);
      await this.audit.record(em, actor, {
        action: 'user.second_factor_removed',
        entityType: 'user',
        entityId: actor.id,
        before: { method: 'totp' },
      });
      await this.notify(
        em,
        actor.email,
        'La double authentification de votre compte Pass numérique a été retirée',
      );
      return undefined;
    });
  }

  /**
   * An administrator ends another person's factor (a phone lost with its recovery codes): their
   * sessions and sign-ins halfway end; an administrator sets a new one up at their next sign-in.
   */
  async reset(actor: Actor, userId: string): Promise<'DONE' | 'PENDING'> {
    if (userId === actor.id) throw AUTH_ERRORS.error('SECOND_FACTOR_OWN_RESET');
    return this.dataSource.transaction(async (em) => {
      const user = await this.users.lockUser(em, userId);
      const factor = await em.findOne(TotpFactor, {
        where: { userId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!factor) throw AUTH_ERRORS.error('SECOND_FACTOR_NOT_SET');
      if (user.role === 'ADMIN') {
        // another administrator's: whoever resets it could then set up their own app with a
        // password they know — a second administrator confirms it (account_change)
        const change = await this.users.requestAccountChange(
          em,
          actor,
          user,
          'ADMIN_SECOND_FACTOR_RESET',
        );
        await this.audit.record(em, actor, {
          action: 'user.second_factor_reset_requested',
          entityType: 'user',
          entityId: userId,
          after: { changeId: change.id },
        });
        await this.notify(
          em,
          user.email,
          'Un administrateur a demandé la réinitialisation de la double authentification de votre compte Pass numérique ; elle attend la confirmation d’un second administrateur',
        );
        return 'PENDING';
      }
      await this.applyReset(em, actor, user, factor);
      return 'DONE';
    });
  }

  /** Registers the reset an administrator asked of another's, applied once a second one confirms. */
  onModuleInit(): void {
    this.users.onChangeConfirmed('ADMIN_SECOND_FACTOR_RESET', async (em, confirmer, user) => {
      const factor = await em.findOne(TotpFactor, {
        where: { userId: user.id },
        lock: { mode: 'pessimistic_write' },
      });
      // removed since it was asked (an app reset twice, or none): nothing more to end
      if (factor) await this.applyReset(em, confirmer, user, factor, false);
    });
  }

  /**
   * The factor ends, with its recovery codes and sign-ins halfway; the account's sessions end
   * (unless the caller ends them, as a confirmed change does); audited, and its owner told.
   */
  private async applyReset(
    em: EntityManager,
    actor: Actor,
    user: User,
    factor: TotpFactor,
    endSessions = true,
  ): Promise<void> {
    await this.dropFactor(em, user.id);
    await em.delete(LoginChallenge, { userId: user.id });
    // the provider's MFA stands for the factor only once a new one is set up and passed
    await this.identities.recordSecondStep(em, user.id, false);
    if (endSessions) await this.users.endSessions(em, user);
    await this.audit.record(em, actor, {
      action: 'user.second_factor_reset',
      entityType: 'user',
      entityId: user.id,
      before: { method: 'totp', confirmedAt: factor.confirmedAt.toISOString() },
      after: { tokenVersion: user.tokenVersion },
    });
    await this.notify(
      em,
      user.email,
      'Un administrateur a réinitialisé la double authentification de votre compte Pass numérique et fermé ses sessions',
    );
  }

  /** The factor ends; its recovery codes go with it (fk_recovery_code_factor, ON DELETE CASCADE). */
  private async dropFactor(em: EntityManager, userId: string): Promise<void> {
    await em.delete(TotpFactor, { userId });
  }

  /**
   * A signed-in action that needs a code: counted against the account's limit, run in one
   * transaction with the account locked; a wrong code is audited after it rolled back.
   */
  private async withCode<T>(
    actor: Actor,
    action: (em: EntityManager) => Promise<T | Error>,
  ): Promise<T> {
    await this.countFailure(actor.id);
    const outcome = await this.dataSource.transaction(async (em) => {
      await this.users.lockUser(em, actor.id);
      return action(em);
    });
    await this.settle(actor.id, 'session', outcome);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private failureKey(userId: string): string {
    return `2fa:account:${userId}`;
  }

  /** Counts a code against the account's limit before it is checked (a success takes it back). */
  private async countFailure(userId: string): Promise<void> {
    await this.limiter.consume(
      [this.failureKey(userId)],
      this.config.get('SECOND_FACTOR_FAILURES_PER_ACCOUNT'),
      this.config.get('LOGIN_RATE_WINDOW_SECONDS'),
    );
    // and a day's cap: a patient guesser gets no more than that a day, window after window
    await this.limiter.consume(
      [this.dailyKey(userId)],
      this.config.get('SECOND_FACTOR_FAILURES_PER_DAY'),
      FAILURES_PER_DAY_WINDOW,
    );
  }

  private dailyKey(userId: string): string {
    return `2fa:account-day:${userId}`;
  }

  /**
   * After a code was checked: a wrong one stays counted and is audited (at most five per sign-in,
   * and the account's limit per window); anything else takes its count back.
   */
  private async settle(userId: string, via: string, outcome: unknown): Promise<void> {
    if (outcome instanceof DomainError && outcome.code === 'SECOND_FACTOR_INVALID') {
      await this.audit.recordAlone(null, {
        action: 'auth.second_factor_failed',
        entityType: 'user',
        entityId: userId,
        after: { via },
      });
      return;
    }
    await this.limiter.unhit(
      [this.failureKey(userId)],
      this.config.get('LOGIN_RATE_WINDOW_SECONDS'),
    );
    await this.limiter.unhit([this.dailyKey(userId)], FAILURES_PER_DAY_WINDOW);
  }
}
