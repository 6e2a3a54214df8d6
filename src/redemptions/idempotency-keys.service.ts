import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { RateLimiter } from '../security/rate-limiter.service';
import type { RedemptionDto } from './dto/redemption.dto';
import { IdempotencyKey } from './idempotency-key.entity';
import { REDEMPTION_ERRORS } from './redemption.errors';

/**
 * The Idempotency-Key store of redemptions: a key is claimed inside the redemption's transaction
 * (so a refused request leaves nothing behind and can be retried), completed with the answer, and
 * replayed for the same request. The claim and the completion are parts of the redemption's first
 * and last statements (redemption.queries); the replay and the purge are here. Keys are kept at least 24 h (purged after 48 h, hourly).
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
   * The answer stored for the same request under a key an earlier request claimed (the claim
   * itself is part of the redemption's first statement); another request under the same key is
   * refused.
   */
  async replay(
    em: EntityManager,
    userId: string,
    key: string,
    requestHash: string,
  ): Promise<RedemptionDto> {
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
}
