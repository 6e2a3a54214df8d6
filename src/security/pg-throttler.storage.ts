import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimiter } from './rate-limiter.service';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage kept in PostgreSQL (rate_limit_counter), so that login limits hold
 * across every instance of the service, not per process. Fixed windows; a blocked key stays
 * blocked until its window ends.
 */
export class PgThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly limiter: RateLimiter) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const { hits, secondsLeft } = await this.limiter.count(
      [`throttle:${throttlerName}:${key}`],
      Math.max(1, Math.ceil(ttl / 1000)),
    );
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
