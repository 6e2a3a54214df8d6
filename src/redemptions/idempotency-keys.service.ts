import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { RateLimiter } from '../security/rate-limiter.service';
import type { RedemptionDto } from './dto/redemption.dto';
import { IdempotencyKey } from './idempotency-key.entity';
import { REDEMPTION_ERRORS } from './redemption.errors';

/**
 * The Idempotency-Key store of redemptions: a key is claimed inside the redemption's transaction
 * (so a refused request leaves nothing behind and can be retried), completed with the answer, and
 * replayed for the same request. Keys are kept at least 24 h (purged after 48 h, hourly).
 */
@Injectable()
export class IdempotencyKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyKeysService.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly limiter: RateLimiter,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(
      () => void this.purge().catch((e: unknown) => this.logger.warn(`purge failed: ${String(e)}`)),
      3_600_000,
    );
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  /** Expired keys go, and expired rate-limit windows with them. */
  async purge(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_key WHERE created_at < now() - interval '48 hours'`,
    );
    await this.limiter.purge();
  }

  /**
   * Inserts the key (waiting for a concurrent holder of the same key) and returns null, or returns
   * the answer stored for the same request; another request under the same key is refused.
   */
  async claim(
    em: EntityManager,
    userId: string,
    key: string,
    requestHash: string,
  ): Promise<RedemptionDto | null> {
    const inserted = await queryRows(
      em,
      `INSERT INTO idempotency_key (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'PENDING') ON CONFLICT DO NOTHING RETURNING key`,
      [userId, key, requestHash],
    );
    if (inserted.length === 1) return null;
    const existing = await em.findOneByOrFail(IdempotencyKey, { userId, key });
    if (existing.requestHash !== requestHash) {
      throw REDEMPTION_ERRORS.fieldError(
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key',
        'key already used with another request body',
      );
    }
    return existing.responseBody as RedemptionDto;
  }

  /** Stores the answer under the key, in the same transaction as the redemption. */
  async complete(
    em: EntityManager,
    userId: string,
    key: string,
    body: RedemptionDto,
  ): Promise<void> {
    await em.query(
      `UPDATE idempotency_key SET status = 'COMPLETED', response_status = 201, response_body = $3 WHERE user_id = $1 AND key = $2`,
      [userId, key, JSON.stringify(body)],
    );
  }
}
