import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccreditationsService } from '../associations/accreditations.service';
import { chequeState } from '../booklets/cheque-state';
import { formatChequeCode } from '../booklets/codes/cheque-code';
import type { Actor } from '../common/access/role';
import { ownAssociationId } from '../common/access/scope';
import { parisToday } from '../common/dates';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from '../security/rate-limiter.service';
import { ChequeLookupGuard, Caller } from './cheque-lookup.guard';
import { readChequeInput } from './cheque-reader';
import { ChequeCheckDto, PublicChequeDto } from './dto/redemption.dto';
import { REDEMPTION_ERRORS } from './redemption.errors';
import { chequeFacts } from './redemption.queries';
import { chequeRefusal } from './redemption.rules';
import { ChequeRefusedError } from './refusals';

const PUBLIC_STATES = {
  ISSUED: 'VALID',
  REDEEMED: 'USED',
  CANCELLED: 'CANCELLED',
  EXPIRED: 'EXPIRED',
  NOT_ACTIVATED: 'NOT_ACTIVATED',
} as const;

/** Looking a cheque up without consuming it: by an association before redeeming, by anyone from its QR. */
@Injectable()
export class ChequeCheckService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly accreditations: AccreditationsService,
    private readonly lookup: ChequeLookupGuard,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  /** Whether this association could redeem the cheque now. */
  async check(caller: Caller, input: string): Promise<ChequeCheckDto> {
    return this.lookup.run(caller, [input], async () => {
      const today = parisToday();
      const read = readChequeInput(input, this.baseUrl);
      if ('refusal' in read) throw new ChequeRefusedError([read]);
      await this.assertAccredited(this.dataSource.manager, caller.actor, today);
      const [facts] = await chequeFacts(this.dataSource.manager, [read.code]);
      const refusal = chequeRefusal(read.code, facts, today, today);
      if (refusal) throw new ChequeRefusedError([refusal]);
      return {
        status: 'REDEEMABLE',
        code: formatChequeCode(facts.code),
        faceValueCents: facts.face_value_cents,
        expiresOn: facts.expires_on,
        bookletNumber: facts.booklet_number,
        position: facts.position,
      };
    });
  }

  /** The public check behind a cheque's QR: its state, value and expiry, nothing about people. */
  async publicCheck(input: string, ip: string | undefined): Promise<PublicChequeDto> {
    await this.limiter.consume(
      [`public-check:ip:${ip ?? 'unknown'}`],
      this.config.get('PUBLIC_CHECK_LIMIT'),
      this.config.get('PUBLIC_CHECK_WINDOW_SECONDS'),
    );
    const read = readChequeInput(input, this.baseUrl);
    if ('refusal' in read) throw new ChequeRefusedError([read]);
    const [facts] = await chequeFacts(this.dataSource.manager, [read.code]);
    if (!facts) throw new ChequeRefusedError([{ code: input, refusal: 'CHEQUE_UNKNOWN' }]);
    return {
      status:
        PUBLIC_STATES[
          chequeState(facts.status, facts.expires_on, parisToday(), facts.booklet_status)
        ],
      faceValueCents: facts.face_value_cents,
      expiresOn: facts.expires_on,
    };
  }

  /** The caller's association, accredited on `day`: the only one who may redeem. */
  async assertAccredited(em: EntityManager, actor: Actor, day: string): Promise<string> {
    const associationId = redeemingAssociation(actor);
    if (!(await this.accreditations.isAccredited(em, associationId, day)))
      throw REDEMPTION_ERRORS.error('ASSOCIATION_NOT_ACCREDITED');
    return associationId;
  }

  get baseUrl(): string {
    return this.config.get('PUBLIC_BASE_URL');
  }
}

/** The caller's association: only association staff redeem (403 FORBIDDEN otherwise). */
export function redeemingAssociation(actor: Actor): string {
  return ownAssociationId(
    actor,
    'Seul le personnel d’une structure habilitée encaisse des chèques.',
  );
}
