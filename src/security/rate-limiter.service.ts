import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { COMMON_ERRORS } from '../common/errors/common.errors';
import { preparedRows } from '../database/sql';
import { SqlWhere } from '../database/where';

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 429, COMMON_ERRORS.sentence('RATE_LIMITED'), { retryAfterSeconds });
  }
}

/** A limit to check: `limit` hits on any of these keys within their windows of `windowSeconds`. */
export interface LimitCheck {
  keys: string[];
  limit: number;
  windowSeconds: number;
}

/**
 * The SQL scalar "seconds until the limit frees" (NULL below it), placeholders of `p`: what
 * `assertBelow` asks, and what a redemption's first statement asks with its other checks (one
 * round trip). The one definition of a limit reached.
 */
export function retryAfterSql(p: SqlWhere, check: LimitCheck): string {
  const [keys, limit, window] = [check.keys, check.limit, check.windowSeconds].map((v) =>
    p.next(v),
  );
  return `(SELECT max(ceil(extract(epoch FROM window_start + make_interval(secs => ${window}) - now())))::int
             FROM rate_limit_counter
            WHERE key = ANY(${keys}) AND hits >= ${limit} AND window_start > now() - make_interval(secs => ${window}))`;
}

/** Throws RateLimitedError when `retryAfterSql` found the limit reached. */
export function assertNotLimited(retryAfter: number | null): void {
  if (retryAfter !== null) throw new RateLimitedError(Math.max(1, retryAfter));
}

/**
 * Fixed-window counters kept in PostgreSQL, so a limit holds across every instance of the service.
 * Counting is its own statement (autocommit): a refused request's failure still counts.
 */
@Injectable()
export class RateLimiter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Throws RateLimitedError if any of the keys has reached `limit` in its current window. */
  async assertBelow(keys: string[], limit: number, windowSeconds: number): Promise<void> {
    const p = new SqlWhere();
    // before every cheque look-up: prepared once per connection
    const [row] = await preparedRows<{ retry_after: number | null }>(
      this.dataSource.manager,
      `SELECT ${retryAfterSql(p, { keys, limit, windowSeconds })} AS retry_after`,
      p.params,
    );
    assertNotLimited(row.retry_after);
  }

  /** Counts one hit on each key; returns the highest count in the current windows. */
  async hit(keys: string[], windowSeconds: number): Promise<number> {
    return (await this.count(keys, windowSeconds)).hits;
  }

  /** Counts one hit on each key: the highest count, and the seconds left in that key's window. */
  async count(
    keys: string[],
    windowSeconds: number,
  ): Promise<{ hits: number; secondsLeft: number }> {
    const rows: { hits: number; seconds_left: number }[] = await this.dataSource.query(
      `INSERT INTO rate_limit_counter (key, window_start, hits)
       SELECT k, now(), 1 FROM unnest($1::varchar[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_counter.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE rate_limit_counter.hits + 1 END,
         window_start = CASE WHEN rate_limit_counter.window_start <= now() - make_interval(secs => $2) THEN now() ELSE rate_limit_counter.window_start END
       RETURNING hits, greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now())))::int AS seconds_left`,
      [keys, windowSeconds],
    );
    const top = rows.reduce((a, b) => (b.hits > a.hits ? b : a));
    return { hits: top.hits, secondsLeft: top.seconds_left };
  }

  /** Counts a hit and refuses when the limit is passed (for limits on every request, not only failures). */
  async consume(keys: string[], limit: number, windowSeconds: number): Promise<void> {
    const hits = await this.hit(keys, windowSeconds);
    if (hits > limit) await this.assertBelow(keys, limit, windowSeconds);
  }

  /** Forgets the counts of the keys that start with one of these prefixes. */
  async clear(prefixes: string[]): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM rate_limit_counter WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE starts_with(key, p))`,
      [prefixes],
    );
  }

  /** Takes back one hit of each key, in its current window (an attempt that turned out fine). */
  async unhit(keys: string[], windowSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE rate_limit_counter SET hits = greatest(hits - 1, 0)
        WHERE key = ANY($1) AND window_start > now() - make_interval(secs => $2)`,
      [keys, windowSeconds],
    );
  }

  /** Whether the key has a window still open. */
  async isActive(key: string, windowSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM rate_limit_counter WHERE key = $1 AND window_start > now() - make_interval(secs => $2)`,
      [key, windowSeconds],
    );
    return rows.length > 0;
  }

  /** Removes expired windows (called periodically). */
  async purge(olderThanSeconds = 86_400): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM rate_limit_counter WHERE window_start < now() - make_interval(secs => $1)`,
      [olderThanSeconds],
    );
  }
}
