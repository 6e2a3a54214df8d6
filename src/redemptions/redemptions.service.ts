import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ChequesService } from '../booklets/cheques.service';
import { formatChequeCode } from '../booklets/codes/cheque-code';
import type { Actor } from '../common/access/role';
import { canSeeAssociation } from '../common/access/scope';
import { frenchDate, parisToday } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { AppConfig } from '../config/app-config';
import { violatedConstraint } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';
import { ProgrammesService } from '../programmes/programmes.service';
import { assertNotLimited } from '../security/rate-limiter.service';
import { ChequeCheckService, redeemingAssociation } from './cheque-check.service';
import { Caller, ChequeLookupGuard } from './cheque-lookup.guard';
import { readChequeInput } from './cheque-reader';
import {
  CancelRedemptionDto,
  CreateRedemptionDto,
  RedemptionDto,
  RedemptionPageDto,
  RedemptionQueryDto,
} from './dto/redemption.dto';
import { IdempotencyKeysService } from './idempotency-keys.service';
import { Redemption } from './redemption.entity';
import { REDEMPTION_ERRORS } from './redemption.errors';
import * as queries from './redemption.queries';
import {
  cancellationRefusal,
  ChequeFacts,
  chequeRefusal,
  earliestSessionDate,
  lastCancellationDay,
} from './redemption.rules';
import { ChequeRefusal, ChequeRefusedError } from './refusals';

export interface RedeemResult {
  body: RedemptionDto;
  /** The stored answer of an earlier identical request (Idempotency-Key). */
  replayed: boolean;
}

const alreadyRedeemed = (codes: string[]) =>
  new ChequeRefusedError(
    codes.map((c) => ({ code: formatChequeCode(c), refusal: 'CHEQUE_ALREADY_REDEEMED' as const })),
  );

/**
 * Redemptions: redeem, cancel within the delay, list; and the steps other features take on a
 * redemption (a claim takes or frees them, a reversal marks one), since this feature owns the
 * `redemption` tables.
 */
@Injectable()
export class RedemptionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly programmes: ProgrammesService,
    private readonly cheques: ChequesService,
    private readonly lookup: ChequeLookupGuard,
    private readonly checker: ChequeCheckService,
    private readonly keys: IdempotencyKeysService,
  ) {}

  /**
   * Redeems the cheques one beneficiary presents for one workshop, all or nothing, in one
   * transaction: the cheques are locked and flipped ISSUED → REDEEMED by a conditional update, and
   * the partial unique index on active redemption lines refuses a second live redemption even if
   * two instances race. A success is stored under the Idempotency-Key and replayed for the same request.
   */
  async redeem(caller: Caller, key: string, dto: CreateRedemptionDto): Promise<RedeemResult> {
    const { actor } = caller;
    const associationId = redeemingAssociation(actor);
    const today = parisToday();
    this.assertSessionDate(dto.sessionDate, today);
    // Every code is read before the database is touched.
    const read = dto.codes.map((c) => readChequeInput(c, this.checker.baseUrl));
    const codes = read.flatMap((r) => ('refusal' in r ? [] : [r.code]));
    const requestHash = hashRequest(read, dto);

    const result = await this.lookup.run(
      caller,
      dto.codes,
      async () => {
        const malformed = read.filter((r): r is ChequeRefusal => 'refusal' in r);
        const duplicated = duplicates(codes);
        try {
          return await this.dataSource.transaction(async (em) => {
            // one statement: the limit checked, the key claimed, the accreditation checked, the
            // cheques locked (none when a code is malformed or given twice)
            const start = await queries.startRedemption(em, {
              userId: actor.id,
              key,
              requestHash,
              associationId,
              sessionDate: dto.sessionDate,
              codes,
              codesValid: malformed.length === 0 && duplicated.length === 0,
              limit: this.lookup.limitOf(caller),
            });
            assertNotLimited(start.retryAfter);
            if (duplicated.length) throw duplicateCodes(duplicated);
            if (!start.claimed)
              return {
                body: await this.keys.replay(em, actor.id, key, requestHash),
                replayed: true,
              };
            if (malformed.length) throw new ChequeRefusedError(malformed);
            if (!start.accredited) throw REDEMPTION_ERRORS.error('ASSOCIATION_NOT_ACCREDITED');
            const cheques = this.redeemable(start.facts, codes, today, dto);
            const id = randomUUID();
            const totalCents = cheques.reduce((sum, c) => sum + c.face_value_cents, 0);
            const body = this.toDto(
              Object.assign(new Redemption(), {
                id,
                associationId,
                sessionDate: dto.sessionDate,
                activity: dto.activity,
                workshopPriceCents: dto.workshopPriceCents ?? null,
                totalCents,
                status: 'ACTIVE',
                note: dto.note ?? null,
                createdAt: start.now,
                cancelledAt: null,
                cancelReason: null,
                claimId: null,
              }),
              cheques,
            );
            // one statement: the cheques flipped, the redemption and its lines (if the association
            // is still accredited), the key's answer and the audit event
            const written = await queries.insertRedemption(em, {
              id,
              associationId,
              userId: actor.id,
              sessionDate: dto.sessionDate,
              activity: dto.activity,
              workshopPriceCents: dto.workshopPriceCents ?? null,
              note: dto.note ?? null,
              totalCents,
              cheques: cheques.map((c) => ({ id: c.id, amountCents: c.face_value_cents })),
              key: { key, body },
              audit: {
                actor,
                entry: {
                  action: 'redemption.created',
                  entityType: 'redemption',
                  entityId: id,
                  before: { cheques: cheques.map((c) => ({ code: c.code, status: 'ISSUED' })) },
                  after: {
                    status: 'ACTIVE',
                    associationId,
                    sessionDate: dto.sessionDate,
                    activity: dto.activity,
                    totalCents,
                    cheques: cheques.map((c) => ({ code: c.code, status: 'REDEEMED' })),
                  },
                },
              },
            });
            if (!written.accredited) throw REDEMPTION_ERRORS.error('ASSOCIATION_NOT_ACCREDITED');
            if (written.flipped.length !== cheques.length)
              throw alreadyRedeemed(
                cheques.filter((c) => !written.flipped.includes(c.id)).map((c) => c.code),
              );
            return { body, replayed: false };
          });
        } catch (err) {
          // Another instance redeemed one of these cheques between our read and our write.
          if (violatedConstraint(err) === 'uq_redemption_line_active_cheque')
            throw alreadyRedeemed(codes);
          throw err;
        }
      },
      { checkedBy: 'fn' },
    );
    if (!result.replayed) this.metrics.redemption(result.body.cheques.length);
    return result;
  }

  /**
   * Cancels a redemption within the allowed delay; its cheques become redeemable again, except
   * those of a booklet cancelled meanwhile, which are cancelled and released from the budget.
   */
  async cancel(actor: Actor, id: string, dto: CancelRedemptionDto): Promise<RedemptionDto> {
    return this.dataSource.transaction(async (em) => {
      const redemption = await this.lock(em, id);
      if (!canSeeAssociation(actor, redemption.associationId))
        throw new NotFoundError('Encaissement', id);
      const days = this.config.get('REDEMPTION_CANCEL_DAYS');
      const refusal = cancellationRefusal(redemption, parisToday(), days);
      if (refusal) throw REDEMPTION_ERRORS.error(refusal, { days });
      // Lock order everywhere: programme, then booklet, then cheques.
      const scope = await queries.redemptionScope(em, id);
      const programmes = await this.programmes.lockForBudget(
        em,
        scope.map((s) => s.programme_id),
      );
      await this.cheques.lockBookletsShared(
        em,
        scope.map((s) => s.booklet_id),
      );
      const chequeIds = await queries.deactivateLines(em, id);
      const restored = await this.cheques.restore(em, chequeIds);
      if (restored.length !== chequeIds.length)
        throw new Error(
          `redemption ${id}: ${chequeIds.length} lines but ${restored.length} cheques restored`,
        );
      // A cheque whose booklet was cancelled meanwhile leaves the committed budget.
      const cancelledCheques = restored.filter((c) => c.status === 'CANCELLED');
      let releasedCents = 0;
      for (const programme of programmes) {
        const cents = cancelledCheques
          .filter((c) => c.programmeId === programme.id)
          .reduce((sum, c) => sum + c.faceValueCents, 0);
        if (cents > 0) await this.programmes.release(em, programme, cents);
        releasedCents += cents;
      }
      await this.audit.changeState(em, actor, redemption, {
        action: 'redemption.cancelled',
        entityType: 'redemption',
        from: ['ACTIVE'],
        to: 'CANCELLED',
        refuse: () => REDEMPTION_ERRORS.error('REDEMPTION_NOT_ACTIVE'),
        set: { cancelledAt: new Date(), cancelledBy: actor.id, cancelReason: dto.reason },
        after: {
          reason: dto.reason,
          chequesRedeemableAgain: restored.length - cancelledCheques.length,
          chequesCancelledWithTheirBooklet: cancelledCheques.length,
          releasedCents,
        },
      });
      return (await this.load(em, [id]))[0];
    });
  }

  /**
   * Marks a redemption on an issued statement REVERSED (the statements feature decides that it
   * is on one): the cheques stay consumed, the next statement carries the negative lines.
   */
  async markReversed(
    em: EntityManager,
    actor: Actor,
    redemption: Redemption,
    reason: string,
  ): Promise<RedemptionDto> {
    await this.audit.changeState(em, actor, redemption, {
      action: 'redemption.reversed',
      entityType: 'redemption',
      from: ['ACTIVE'],
      to: 'REVERSED',
      refuse: () => REDEMPTION_ERRORS.error('REDEMPTION_NOT_ACTIVE'),
      set: { reversedAt: new Date(), reversedBy: actor.id, reverseReason: reason },
      after: { reason, totalCents: redemption.totalCents },
    });
    return (await this.load(em, [redemption.id]))[0];
  }

  /** The redemption, locked (FOR UPDATE), or 404. */
  async lock(em: EntityManager, id: string): Promise<Redemption> {
    const redemption = await em.findOne(Redemption, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!redemption) throw new NotFoundError('Encaissement', id);
    return redemption;
  }

  /** A claim takes these redemptions if still unclaimed and ACTIVE; returns their totals. */
  attachToClaim(em: EntityManager, claimId: string, ids: string[]): Promise<number[]> {
    return queries.attachToClaim(em, claimId, ids);
  }

  /** A rejected claim frees its redemptions; returns how many. */
  detachFromClaim(em: EntityManager, claimId: string): Promise<number> {
    return queries.detachFromClaim(em, claimId);
  }

  async list(actor: Actor, q: RedemptionQueryDto): Promise<RedemptionPageDto> {
    const where = queries.redemptionFilters(actor, q);
    const em = this.dataSource.manager;
    const totals = await queries.redemptionTotals(em, where);
    const ids = await queries.redemptionPageIds(em, where, q.pageSize, q.offset);
    return {
      items: await this.load(em, ids),
      total: totals.count,
      page: q.page,
      pageSize: q.pageSize,
      totals,
    };
  }

  private assertSessionDate(sessionDate: string, today: string): void {
    const earliest = earliestSessionDate(today, this.config.get('REDEMPTION_BACKDATE_DAYS'));
    if (sessionDate > today || sessionDate < earliest)
      throw REDEMPTION_ERRORS.fieldError(
        'SESSION_DATE_OUT_OF_RANGE',
        'sessionDate',
        `sessionDate must be between ${earliest} and ${today}`,
        { earliest: frenchDate(earliest) },
      );
  }

  /** The cheques of these codes (their facts, locked), each redeemable for this workshop, or the refusals. */
  private redeemable(
    facts: ChequeFacts[],
    codes: string[],
    today: string,
    dto: CreateRedemptionDto,
  ): ChequeFacts[] {
    const byCode = new Map(facts.map((f) => [f.code, f]));
    const refusals = codes.flatMap((code) => {
      const r = chequeRefusal(code, byCode.get(code), today, dto.sessionDate);
      return r ? [r] : [];
    });
    if (refusals.length) throw new ChequeRefusedError(refusals);
    const cheques = codes.map((c) => byCode.get(c)!);
    const outside = cheques.find(
      (c) => c.activities.length > 0 && !c.activities.includes(dto.activity),
    );
    if (outside)
      throw REDEMPTION_ERRORS.fieldError(
        'ACTIVITY_NOT_IN_PROGRAMME',
        'activity',
        `activity must be one of: ${outside.activities.join(', ')}`,
      );
    return cheques;
  }

  private async load(em: EntityManager, ids: string[]): Promise<RedemptionDto[]> {
    if (ids.length === 0) return [];
    const redemptions = await em
      .createQueryBuilder(Redemption, 'r')
      .where('r.id = ANY(:ids)', { ids })
      .getMany();
    const lines = await queries.redemptionCheques(em, ids);
    const byId = new Map(redemptions.map((r) => [r.id, r]));
    return ids.map((id) =>
      this.toDto(
        byId.get(id)!,
        lines.filter((l) => l.redemption_id === id),
      ),
    );
  }

  private toDto(
    r: Redemption,
    cheques: Pick<ChequeFacts, 'code' | 'booklet_number' | 'position' | 'face_value_cents'>[],
  ): RedemptionDto {
    const days = this.config.get('REDEMPTION_CANCEL_DAYS');
    return {
      id: r.id,
      associationId: r.associationId,
      sessionDate: r.sessionDate,
      activity: r.activity,
      workshopPriceCents: r.workshopPriceCents,
      totalCents: r.totalCents,
      status: r.status,
      note: r.note,
      createdAt: r.createdAt.toISOString(),
      cancelledAt: r.cancelledAt?.toISOString() ?? null,
      cancelReason: r.cancelReason,
      cancellableUntil:
        r.status === 'ACTIVE' && !r.claimId ? lastCancellationDay(r.createdAt, days) : null,
      // by booklet and position, as the database lists them: the redemption's own answer, and
      // its replay, say the same as a later read
      cheques: [...cheques].sort(byBookletAndPosition).map((c) => ({
        code: formatChequeCode(c.code),
        bookletNumber: c.booklet_number,
        position: c.position,
        faceValueCents: c.face_value_cents,
      })),
    };
  }
}

function byBookletAndPosition(
  a: { booklet_number: string; position: number },
  b: { booklet_number: string; position: number },
): number {
  if (a.booklet_number !== b.booklet_number) return a.booklet_number < b.booklet_number ? -1 : 1;
  return a.position - b.position;
}

/** The codes given more than once in one request. */
function duplicates(codes: string[]): string[] {
  return [...new Set(codes.filter((c, i) => codes.indexOf(c) !== i))];
}

function duplicateCodes(codes: string[]): ChequeRefusedError {
  return new ChequeRefusedError(
    codes.map((c) => ({
      code: formatChequeCode(c),
      refusal: 'DUPLICATE_CODE_IN_REQUEST' as const,
    })),
  );
}

/** What makes two requests under one Idempotency-Key the same request. */
function hashRequest(read: ({ code: string } | ChequeRefusal)[], dto: CreateRedemptionDto): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        read.map((r) => ('refusal' in r ? `!${r.code}` : r.code)),
        dto.activity,
        dto.sessionDate,
        dto.workshopPriceCents ?? null,
        dto.note ?? null,
      ]),
    )
    .digest('hex');
}
