import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AssociationsService } from '../associations/associations.service';
import { parisToday } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from '../security/rate-limiter.service';
import { queryRows } from '../database/sql';
import { normalizeCoverToken } from './codes/cover-token';
import type { NearbyAssociation } from './pdf/booklet-renderer';

/** What the booklet's public page shows: its cheques and where to go, nothing about the person. */
export interface BookletPage {
  state: 'NOT_HANDED_OVER' | 'ACTIVE' | 'EXPIRED' | 'CANCELLED';
  remaining: number;
  total: number;
  faceValueCents: number;
  expiresOn: string;
  contact: string | null;
  nearby: NearbyAssociation[];
}

/** The page behind a booklet cover's QR code (`/carnet/<token>`), open to anyone holding it. */
@Injectable()
export class BookletPageService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly associations: AssociationsService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  async page(input: string, ip: string | undefined): Promise<BookletPage> {
    await this.limiter.consume(
      [`public-booklet:ip:${ip ?? 'unknown'}`],
      this.config.get('PUBLIC_CHECK_LIMIT'),
      this.config.get('PUBLIC_CHECK_WINDOW_SECONDS'),
    );
    const token = normalizeCoverToken(input);
    const [b] = token
      ? await queryRows<{
          status: string;
          expires_on: string;
          face_value_cents: string;
          remaining: number;
          total: number;
          postal_code: string | null;
        }>(
          this.dataSource.manager,
          `SELECT b.status, p.expires_on::text, b.face_value_cents,
                  (SELECT count(*)::int FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'ISSUED') AS remaining,
                  (SELECT count(*)::int FROM cheque c WHERE c.booklet_id = b.id) AS total,
                  coalesce(ben.postal_code, s.postal_code) AS postal_code
             FROM booklet b JOIN programme p ON p.id = b.programme_id
             LEFT JOIN beneficiary ben ON ben.id = b.beneficiary_id
             LEFT JOIN distribution_site s ON s.id = b.site_id
            WHERE b.cover_token = $1`,
          [token],
        )
      : [];
    if (!b) throw new NotFoundError('Carnet');
    const expired = parisToday() > b.expires_on;
    const state =
      b.status === 'CANCELLED'
        ? 'CANCELLED'
        : b.status === 'IN_STOCK'
          ? 'NOT_HANDED_OVER'
          : expired
            ? 'EXPIRED'
            : 'ACTIVE';
    return {
      state,
      remaining: state === 'ACTIVE' ? b.remaining : 0,
      total: b.total,
      faceValueCents: Number(b.face_value_cents),
      expiresOn: b.expires_on,
      contact: this.config.get('DEPARTEMENT_CONTACT') ?? null,
      nearby: b.postal_code
        ? await this.associations.nearby(b.postal_code, this.config.get('NEARBY_ASSOCIATIONS'))
        : [],
    };
  }
}
