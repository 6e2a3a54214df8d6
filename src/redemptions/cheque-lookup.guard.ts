import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LimitCheck, RateLimitedError, RateLimiter } from '../security/rate-limiter.service';
import { ChequeRefusedError } from './refusals';

/** Who looks a cheque up, and from where (the failed-lookup limit counts per user and per IP). */
export interface Caller {
  actor: Actor;
  ip: string | undefined;
}

/**
 * Runs a cheque look-up (check or redemption) under the failed-lookup limit: refused at once when
 * the limit is reached; each unknown code or probable typo counts; refusals are counted in the
 * metrics and audited as anomalies (in their own transaction, after the look-up's rollback).
 */
@Injectable()
export class ChequeLookupGuard {
  constructor(
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The failed-lookup limit of this caller: per user and per IP. */
  limitOf(caller: Caller): LimitCheck {
    return {
      keys: [`lookup:user:${caller.actor.id}`, `lookup:ip:${caller.ip ?? 'unknown'}`],
      limit: this.config.get('LOOKUP_FAILURE_LIMIT'),
      windowSeconds: this.config.get('LOOKUP_FAILURE_WINDOW_SECONDS'),
    };
  }

  /**
   * Runs `fn` under the limit. `checkedBy: 'fn'`: `fn` checks the limit itself, within its own
   * first statement (a redemption: `limitOf` there, and RateLimitedError thrown as here).
   */
  async run<T>(
    caller: Caller,
    tried: string[],
    fn: () => Promise<T>,
    options: { checkedBy?: 'fn' } = {},
  ): Promise<T> {
    const { keys, limit, windowSeconds: window } = this.limitOf(caller);
    const triedForAudit = () => tried.map((t) => t.slice(0, 200));
    try {
      if (options.checkedBy !== 'fn') await this.limiter.assertBelow(keys, limit, window);
      return await fn();
    } catch (err) {
      if (err instanceof ChequeRefusedError) {
        this.metrics.refused(err.refusals.map((r) => r.refusal));
        if (err.isFailedLookup) await this.limiter.hit(keys, window);
        await this.audit.recordAlone(caller.actor, {
          action: 'redemption.refused',
          entityType: 'cheque',
          after: {
            tried: triedForAudit(),
            refusals: err.refusals.map((r) => r.refusal),
            ip: caller.ip ?? null,
          },
        });
      } else if (err instanceof RateLimitedError) {
        this.metrics.refused(['RATE_LIMITED']);
        await this.audit.recordAlone(caller.actor, {
          action: 'cheque.lookup_rate_limited',
          entityType: 'cheque',
          after: {
            tried: triedForAudit(),
            ip: caller.ip ?? null,
            retryAfterSeconds: err.retryAfterSeconds,
          },
        });
      }
      throw err;
    }
  }
}
