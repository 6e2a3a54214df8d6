import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { clientNetwork, LOGIN_KEYS } from '../security/login-keys';
import { RateLimitedError, RateLimiter } from '../security/rate-limiter.service';

type Scope = 'ip' | 'account_ip' | 'account';

interface Limit {
  scope: Scope;
  key: string;
  limit: number;
  windowSeconds: number;
}

/** How long a network where an account signed in stays known to it. */
const KNOWN_NETWORK_SECONDS = 30 * 86_400;

/**
 * The limits on sign-in attempts, one set of counters for every way in (API and pages), kept in
 * PostgreSQL so that they hold across instances. An attempt is counted before its password is
 * checked (atomically: a burst of parallel guesses cannot outrun the count); a success takes its
 * count back. Per attempt:
 * - per IP (IPv6: per /64 network; LOGIN_RATE_LIMIT_PER_IP in LOGIN_RATE_WINDOW_SECONDS);
 * - per account from one IP (LOGIN_RATE_LIMIT_PER_EMAIL, same window): someone guessing from
 *   their address blocks only themselves;
 * - per account from every IP (LOGIN_RATE_LIMIT_PER_ACCOUNT in LOGIN_ACCOUNT_WINDOW_SECONDS), the
 *   slower limit against guesses spread over many addresses. It does not apply from a network the
 *   account signed in from in the last 30 days: guesses from elsewhere never lock the real user
 *   out where they work. A new password chosen by link clears the account's counts.
 * Once a limit is passed the attempt is refused (429) without checking the password: the audit
 * log gets at most each limit's failures, plus one `auth.login_blocked` event, per window.
 */
@Injectable()
export class LoginLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private limits(email: string, network: string): Limit[] {
    const window = this.config.get('LOGIN_RATE_WINDOW_SECONDS');
    return [
      {
        scope: 'ip',
        key: LOGIN_KEYS.ip(network),
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_IP'),
        windowSeconds: window,
      },
      {
        scope: 'account_ip',
        key: LOGIN_KEYS.accountFromIp(email, network),
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_EMAIL'),
        windowSeconds: window,
      },
      {
        scope: 'account',
        key: LOGIN_KEYS.account(email),
        limit: this.config.get('LOGIN_RATE_LIMIT_PER_ACCOUNT'),
        windowSeconds: this.config.get('LOGIN_ACCOUNT_WINDOW_SECONDS'),
      },
    ];
  }

  /** Counts the attempt on every limit that applies; throws RateLimitedError once one is passed. */
  async attempt(email: string, ip: string | undefined): Promise<void> {
    const network = clientNetwork(ip);
    const known = await this.limiter.isActive(
      LOGIN_KEYS.knownNetwork(email, network),
      KNOWN_NETWORK_SECONDS,
    );
    for (const l of this.limits(email, network)) {
      if (l.scope === 'account' && known) continue;
      const { hits, secondsLeft } = await this.limiter.count([l.key], l.windowSeconds);
      if (hits <= l.limit) continue;
      if (hits === l.limit + 1)
        await this.audit.recordAlone(null, {
          action: 'auth.login_blocked',
          entityType: 'user',
          entityId: null,
          after: {
            scope: l.scope,
            email: l.scope === 'ip' ? null : email,
            ip: l.scope === 'account' ? null : network,
            failures: l.limit,
            windowSeconds: l.windowSeconds,
          },
        });
      throw new RateLimitedError(secondsLeft);
    }
  }

  /**
   * A successful sign-in: its attempt is taken back, this account's failures from this network
   * forgotten, and the network known to the account (the account-wide limit spares it).
   */
  async succeeded(email: string, ip: string | undefined): Promise<void> {
    const network = clientNetwork(ip);
    const [byIp, fromIp, account] = this.limits(email, network);
    await this.limiter.unhit([byIp.key], byIp.windowSeconds);
    await this.limiter.unhit([account.key], account.windowSeconds);
    await this.limiter.clear([fromIp.key]);
    await this.limiter.hit([LOGIN_KEYS.knownNetwork(email, network)], KNOWN_NETWORK_SECONDS);
  }
}
