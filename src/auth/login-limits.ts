import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from '../security/rate-limiter.service';

type Scope = 'ip' | 'account_ip' | 'account';

interface Limit {
  scope: Scope;
  key: string;
  limit: number;
  windowSeconds: number;
}

/**
 * The limits on failed sign-ins, one set of counters for every way in (API and pages), kept in
 * PostgreSQL so that they hold across instances:
 * - per IP (LOGIN_RATE_LIMIT_PER_IP in LOGIN_RATE_WINDOW_SECONDS);
 * - per account from one IP (LOGIN_RATE_LIMIT_PER_EMAIL, same window): someone guessing from
 *   their address blocks only themselves, the real user elsewhere still signs in;
 * - per account from every IP (LOGIN_RATE_LIMIT_PER_ACCOUNT in LOGIN_ACCOUNT_WINDOW_SECONDS), the
 *   slower limit against guesses spread over many addresses. Reaching it blocks the account until
 *   the window ends, never longer; the reset link by e-mail still works meanwhile.
 * Once a limit is reached, attempts are refused before any password is checked, and are neither
 * counted nor audited: the audit log gets at most each limit's failures, plus one
 * `auth.login_blocked` event, per window.
 */
@Injectable()
export class LoginLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private limits(email: string, ip: string): Limit[] {
    const window = this.config.get('LOGIN_RATE_WINDOW_SECONDS');
    return [
      {
        scope: 'ip',
        key: `login:ip:${ip}`,
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_IP'),
        windowSeconds: window,
      },
      {
        scope: 'account_ip',
        key: `login:account-ip:${email}|${ip}`,
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_EMAIL'),
        windowSeconds: window,
      },
      {
        scope: 'account',
        key: `login:account:${email}`,
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_ACCOUNT'),
        windowSeconds: this.config.get('LOGIN_ACCOUNT_WINDOW_SECONDS'),
      },
    ];
  }

  /** Throws RateLimitedError (429, Retry-After) when any limit is reached for this attempt. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    for (const l of this.limits(email, ip))
      await this.limiter.assertBelow([l.key], l.limit, l.windowSeconds);
  }

  /**
   * Counts a failure on every limit; a limit it reaches is audited once (`auth.login_blocked`).
   * Returns whether the failure itself is to be audited: no once the IP's limit is passed.
   */
  async failed(email: string, ip: string): Promise<boolean> {
    let withinIpLimit = true;
    for (const l of this.limits(email, ip)) {
      const hits = await this.limiter.hit([l.key], l.windowSeconds);
      if (l.scope === 'ip' && hits > l.limit) withinIpLimit = false;
      if (hits === l.limit)
        await this.audit.recordAlone(null, {
          action: 'auth.login_blocked',
          entityType: 'user',
          entityId: null,
          after: {
            scope: l.scope,
            email: l.scope === 'ip' ? null : email,
            ip: l.scope === 'account' ? null : ip,
            failures: hits,
            windowSeconds: l.windowSeconds,
          },
        });
    }
    return withinIpLimit;
  }

  /** A successful sign-in clears this account's failures from this IP. */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.limiter.clear([this.limits(email, ip)[1].key]);
  }
}
