import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { UsersService } from '../users/users.service';
import { User } from '../users/user.entity';
import { verifyPassword } from '../common/passwords';
import type { TokenPayload } from './session-reader';
import { Actor } from '../common/access/role';
import { AUTH_ERRORS } from './auth.errors';
import { LoginLimits } from './login-limits';
import {
  FirstStep,
  SecondFactorService,
  SignInMethod,
} from './second-factor/second-factor.service';

/** A session opened: the token, the account, and what the second step may add. */
export interface Session {
  kind: 'session';
  token: string;
  user: User;
  next: string | null;
  /** A factor set up during this sign-in: its recovery codes, shown once. */
  recoveryCodes?: string[];
  /** A recovery code was used: how many remain. */
  recoveryCodesLeft?: number;
}

/** A sign-in whose first step passed: a session, or the second step to make with this key. */
export type SignIn =
  Session | { kind: 'challenge'; purpose: 'VERIFY' | 'ENROL'; key: string; expiresIn: number };

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super('INVALID_CREDENTIALS', 401, AUTH_ERRORS.sentence('INVALID_CREDENTIALS'));
  }
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly limits: LoginLimits,
    private readonly secondFactor: SecondFactorService,
  ) {}

  /**
   * Checks the credentials, within the login limits (LoginLimits: the same counters for the API
   * and the pages); a failure is audited and answered without telling which part was wrong.
   * Then a session, or a second step for an account with a factor, or an administrator.
   */
  async login(
    email: string,
    password: string,
    ip: string | undefined,
    next: string | null = null,
  ): Promise<SignIn> {
    const normalized = email.trim().toLowerCase();
    await this.limits.attempt(normalized, ip);
    const user = await this.users.findByEmail(normalized);
    const ok = await verifyPassword(user?.passwordHash ?? undefined, password);
    if (!user || !ok || !user.active) {
      await this.audit.recordAlone(null, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: user?.id ?? null,
        after: {
          email: normalized,
          ip: ip ?? null,
          reason: !user
            ? 'unknown_email'
            : !user.passwordHash
              ? 'no_password_yet'
              : !ok
                ? 'wrong_password'
                : 'inactive',
        },
      });
      throw new InvalidCredentialsError();
    }
    await this.limits.succeeded(normalized, ip);
    return this.afterFirstStep(user, { via: 'password', next });
  }

  /** After the password or the OpenID provider: a session, or the second step to make. */
  async afterFirstStep(user: User, first: FirstStep): Promise<SignIn> {
    const step = await this.secondFactor.afterFirstStep(user, first);
    if (step.kind === 'challenge') return step;
    return this.openSession(user, first.next ?? null, step.method);
  }

  /** The second step: a code (or an app's first code), then the session. */
  async secondStep(key: unknown, code: string, setup?: unknown): Promise<Session> {
    const done = await this.secondFactor.answer(key, code, setup);
    return {
      ...(await this.openSession(done.user, done.next, done.method)),
      recoveryCodes: done.recoveryCodes,
      recoveryCodesLeft: done.recoveryCodesLeft,
    };
  }

  /** A session for an account whose holder proved who they are. */
  private async openSession(
    user: User,
    next: string | null,
    method: SignInMethod,
  ): Promise<Session> {
    const loggedIn = await this.users.recordLogin(user, method);
    const payload: TokenPayload = { sub: user.id, role: user.role, ver: user.tokenVersion };
    return { kind: 'session', token: await this.jwt.signAsync(payload), user: loggedIn, next };
  }

  async logout(actor: Actor): Promise<void> {
    await this.users.revokeSessions(actor, 'auth.logout');
  }

  get tokenTtlSeconds(): number {
    return this.config.get('JWT_TTL_SECONDS');
  }
}
