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
  ) {}

  /**
   * Checks the credentials, within the login limits (LoginLimits: the same counters for the API
   * and the pages); a failure is audited and answered without telling which part was wrong.
   */
  async login(
    email: string,
    password: string,
    ip: string | undefined,
  ): Promise<{ token: string; user: User }> {
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
    return this.openSession(user);
  }

  /** A session for an account whose holder proved who they are (password, or OpenID provider). */
  async openSession(user: User): Promise<{ token: string; user: User }> {
    const loggedIn = await this.users.recordLogin(user);
    const payload: TokenPayload = { sub: user.id, role: user.role, ver: user.tokenVersion };
    return { token: await this.jwt.signAsync(payload), user: loggedIn };
  }

  async logout(actor: Actor): Promise<void> {
    await this.users.revokeSessions(actor, 'auth.logout');
  }

  get tokenTtlSeconds(): number {
    return this.config.get('JWT_TTL_SECONDS');
  }
}
