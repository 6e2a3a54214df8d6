import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { associationFilter, canSeeAssociation, ownAssociationId } from '../auth/scope';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { AssociationsService } from '../associations/associations.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/role';
import { formatChequeCode } from '../booklets/codes/cheque-code';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ProgrammesService } from '../programmes/programmes.service';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate, parisToday, shiftDay } from '../common/dates';
import { ConflictError, DomainError, NotFoundError } from '../common/errors/domain-error';
import { queryRows, violatedConstraint } from '../database/sql';
import { RateLimiter, RateLimitedError } from '../security/rate-limiter.service';
import { readChequeInput } from './cheque-reader';
import {
  CancelRedemptionDto,
  ChequeCheckDto,
  CreateRedemptionDto,
  PublicChequeDto,
  RedemptionDto,
  RedemptionPageDto,
  RedemptionQueryDto,
} from './dto/redemption.dto';
import { IdempotencyKey } from './idempotency-key.entity';
import { Redemption } from './redemption.entity';
import { ChequeRefusal, ChequeRefusedError } from './refusals';

/** What the rules need to know about a cheque. */
interface ChequeFacts {
  id: string;
  code: string;
  status: 'ISSUED' | 'REDEEMED' | 'CANCELLED';
  face_value_cents: number;
  position: number;
  booklet_number: string;
  booklet_status: string;
  valid_from: string;
  expires_on: string;
  activities: string[];
  redeemed_on: string | null;
}

const FACTS_SQL = `
  SELECT c.id, c.code, c.status, c.face_value_cents::int AS face_value_cents, c.position,
         b.number AS booklet_number, b.status AS booklet_status, p.valid_from::text AS valid_from, p.expires_on::text AS expires_on, p.activities,
         (SELECT r.session_date::text FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
           WHERE l.cheque_id = c.id AND l.active) AS redeemed_on
    FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
   WHERE c.code = ANY($1)`;

const REDEEMERS_ONLY = 'Seul le personnel d’une structure habilitée encaisse des chèques.';

export interface RedeemResult {
  status: number;
  body: RedemptionDto;
  replayed: boolean;
}

export interface Caller {
  actor: Actor;
  ip: string | undefined;
}

@Injectable()
export class RedemptionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedemptionsService.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly associations: AssociationsService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly programmes: ProgrammesService,
  ) {}

  onModuleInit(): void {
    // Idempotency keys are kept at least 24 h (48 h here); expired rate-limit windows go too.
    this.purgeTimer = setInterval(
      () => void this.purge().catch((e: unknown) => this.logger.warn(`purge failed: ${String(e)}`)),
      3_600_000,
    );
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async purge(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_key WHERE created_at < now() - interval '48 hours'`,
    );
    await this.limiter.purge();
  }

  /** Whether this association could redeem the cheque now, without consuming it. */
  async check(caller: Caller, input: string): Promise<ChequeCheckDto> {
    return this.guardLookup(caller, [input], async () => {
      const today = parisToday();
      const read = readChequeInput(input, this.baseUrl);
      if ('refusal' in read) throw new ChequeRefusedError([read]);
      await this.assertAccredited(this.dataSource.manager, caller.actor, today);
      const [facts] = await queryRows<ChequeFacts>(this.dataSource.manager, FACTS_SQL, [
        [read.code],
      ]);
      const refusal = this.evaluate(read.code, facts, today, today);
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

  /**
   * Redeems the cheques one beneficiary presents for one workshop, all or nothing, in one
   * transaction: the cheques are locked and flipped ISSUED → REDEEMED by a conditional update, and
   * the partial unique index on active redemption lines refuses a second live redemption even if
   * two instances race. A success is stored under the Idempotency-Key and replayed for the same request.
   */
  async redeem(
    caller: Caller,
    idempotencyKey: string,
    dto: CreateRedemptionDto,
  ): Promise<RedeemResult> {
    const { actor } = caller;
    const associationId = ownAssociationId(actor, REDEEMERS_ONLY);
    const today = parisToday();
    const backdate = this.config.get('REDEMPTION_BACKDATE_DAYS');
    if (dto.sessionDate > today || dto.sessionDate < shiftDay(today, -backdate)) {
      throw new DomainError(
        'SESSION_DATE_OUT_OF_RANGE',
        422,
        `La date de séance doit être comprise entre le ${frenchDate(shiftDay(today, -backdate))} et aujourd'hui.`,
        {
          errors: [
            {
              field: 'sessionDate',
              message: `sessionDate must be between ${shiftDay(today, -backdate)} and ${today}`,
            },
          ],
        },
      );
    }
    // Read every code before touching the database.
    const read = dto.codes.map((c) => readChequeInput(c, this.baseUrl));
    const codes = read.flatMap((r) => ('refusal' in r ? [] : [r.code]));
    const duplicates = [...new Set(codes.filter((c, i) => codes.indexOf(c) !== i))];
    const requestHash = createHash('sha256')
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

    const result = await this.guardLookup(caller, dto.codes, async () => {
      if (duplicates.length) {
        throw new ChequeRefusedError(
          duplicates.map((c) => ({
            code: formatChequeCode(c),
            refusal: 'DUPLICATE_CODE_IN_REQUEST' as const,
          })),
        );
      }
      try {
        return await this.dataSource.transaction(async (em) => {
          const replay = await this.claimIdempotencyKey(em, actor.id, idempotencyKey, requestHash);
          if (replay) return replay;
          const malformed = read.filter((r): r is ChequeRefusal => 'refusal' in r);
          if (malformed.length) throw new ChequeRefusedError(malformed);
          await this.assertAccredited(em, actor, dto.sessionDate);

          const facts = await queryRows<ChequeFacts>(
            em,
            `${FACTS_SQL} ORDER BY c.id FOR UPDATE OF c`,
            [codes],
          );
          const byCode = new Map(facts.map((f) => [f.code, f]));
          const refusals = codes.flatMap((code) => {
            const r = this.evaluate(code, byCode.get(code), today, dto.sessionDate);
            return r ? [r] : [];
          });
          if (refusals.length) throw new ChequeRefusedError(refusals);
          const cheques = codes.map((c) => byCode.get(c)!);
          const outside = cheques.find(
            (c) => c.activities.length > 0 && !c.activities.includes(dto.activity),
          );
          if (outside) {
            throw new DomainError(
              'ACTIVITY_NOT_IN_PROGRAMME',
              422,
              'Cette activité ne figure pas au catalogue du dispositif.',
              {
                errors: [
                  {
                    field: 'activity',
                    message: `activity must be one of: ${outside.activities.join(', ')}`,
                  },
                ],
              },
            );
          }

          const flipped = await queryRows<{ id: string }>(
            em,
            `UPDATE cheque SET status = 'REDEEMED' WHERE id = ANY($1) AND status = 'ISSUED' RETURNING id`,
            [cheques.map((c) => c.id)],
          );
          if (flipped.length !== cheques.length) {
            throw new ChequeRefusedError(
              cheques
                .filter((c) => !flipped.some((f) => f.id === c.id))
                .map((c) => ({
                  code: formatChequeCode(c.code),
                  refusal: 'CHEQUE_ALREADY_REDEEMED' as const,
                })),
            );
          }
          const totalCents = cheques.reduce((sum, c) => sum + c.face_value_cents, 0);
          const redemption = em.create(Redemption, {
            associationId,
            userId: actor.id,
            sessionDate: dto.sessionDate,
            activity: dto.activity,
            workshopPriceCents: dto.workshopPriceCents ?? null,
            totalCents,
            chequeCount: cheques.length,
            note: dto.note ?? null,
            status: 'ACTIVE',
          });
          // Plain SQL on this hot path (the ORM's save costs more CPU than the statement itself).
          const [inserted] = await queryRows<{ id: string; created_at: Date }>(
            em,
            `INSERT INTO redemption (association_id, user_id, session_date, activity, workshop_price_cents, total_cents, cheque_count, note, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ACTIVE') RETURNING id, created_at`,
            [
              associationId,
              actor.id,
              dto.sessionDate,
              dto.activity,
              dto.workshopPriceCents ?? null,
              totalCents,
              cheques.length,
              dto.note ?? null,
            ],
          );
          Object.assign(redemption, {
            id: inserted.id,
            createdAt: inserted.created_at,
            cancelledAt: null,
            cancelledBy: null,
            cancelReason: null,
          });
          await em.query(
            `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active)
             SELECT $1, c, a, true FROM unnest($2::uuid[], $3::bigint[]) AS t(c, a)`,
            [redemption.id, cheques.map((c) => c.id), cheques.map((c) => c.face_value_cents)],
          );
          const body = this.toDto(redemption, cheques);
          await em.query(
            `UPDATE idempotency_key SET status = 'COMPLETED', response_status = 201, response_body = $3 WHERE user_id = $1 AND key = $2`,
            [actor.id, idempotencyKey, JSON.stringify(body)],
          );
          // Last statement before commit: the audit chain's lock is held from this insert to commit.
          await this.audit.record(em, actor, {
            action: 'redemption.created',
            entityType: 'redemption',
            entityId: redemption.id,
            before: { cheques: cheques.map((c) => ({ code: c.code, status: 'ISSUED' })) },
            after: {
              status: 'ACTIVE',
              associationId,
              sessionDate: dto.sessionDate,
              activity: dto.activity,
              totalCents,
              cheques: cheques.map((c) => ({ code: c.code, status: 'REDEEMED' })),
            },
          });
          return { status: 201, body, replayed: false };
        });
      } catch (err) {
        if (violatedConstraint(err) === 'uq_redemption_line_active_cheque') {
          // Another instance redeemed one of these cheques between our read and our write.
          throw new ChequeRefusedError(
            codes.map((c) => ({
              code: formatChequeCode(c),
              refusal: 'CHEQUE_ALREADY_REDEEMED' as const,
            })),
          );
        }
        throw err;
      }
    });
    if (!result.replayed) this.metrics.redemption(result.body.cheques.length);
    return result;
  }

  /**
   * Cancels a redemption within the allowed delay; its cheques become redeemable again, except
   * those of a booklet cancelled meanwhile, which are cancelled and released from the budget.
   */
  async cancel(actor: Actor, id: string, dto: CancelRedemptionDto): Promise<RedemptionDto> {
    return this.dataSource.transaction(async (em) => {
      const redemption = await em.findOne(Redemption, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!redemption || !canSeeAssociation(actor, redemption.associationId)) {
        throw new NotFoundError('Encaissement', id);
      }
      if (redemption.status !== 'ACTIVE') {
        throw new ConflictError("Cet encaissement n'est plus actif.", 'REDEMPTION_NOT_ACTIVE');
      }
      if (redemption.claimId) {
        throw new ConflictError(
          "Cet encaissement figure sur une demande de remboursement : il ne peut plus être annulé (un administrateur peut l'extourner une fois l'état émis).",
          'REDEMPTION_CLAIMED',
        );
      }
      const days = this.config.get('REDEMPTION_CANCEL_DAYS');
      if (parisToday(redemption.createdAt) < shiftDay(parisToday(), -days)) {
        throw new ConflictError(
          `Un encaissement ne peut être annulé que dans les ${days} jours.`,
          'CANCELLATION_DELAY_PASSED',
        );
      }
      // Lock order everywhere: programme, then booklet, then cheques. A cheque whose booklet was
      // cancelled meanwhile (lost, stolen) is cancelled, never redeemable again, and its value
      // leaves the committed budget; the others become redeemable again.
      const scope = await queryRows<{ programme_id: string; booklet_id: string }>(
        em,
        `SELECT DISTINCT b.programme_id, b.id AS booklet_id
           FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
          WHERE l.redemption_id = $1 AND l.active`,
        [id],
      );
      const programmes = await this.programmes.lockForBudget(
        em,
        scope.map((s) => s.programme_id),
      );
      await em.query(`SELECT id FROM booklet WHERE id = ANY($1) ORDER BY id FOR SHARE`, [
        scope.map((s) => s.booklet_id),
      ]);
      const lines = await queryRows<{ cheque_id: string }>(
        em,
        `UPDATE redemption_line SET active = false WHERE redemption_id = $1 AND active RETURNING cheque_id`,
        [id],
      );
      // cheques in ascending id, as everywhere
      await em.query(`SELECT id FROM cheque WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [
        lines.map((l) => l.cheque_id),
      ]);
      const restored = await queryRows<{
        id: string;
        status: 'ISSUED' | 'CANCELLED';
        programme_id: string;
        face_value_cents: string;
      }>(
        em,
        `UPDATE cheque c
            SET status = CASE WHEN b.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'ISSUED' END
           FROM booklet b
          WHERE b.id = c.booklet_id AND c.id = ANY($1) AND c.status = 'REDEEMED'
          RETURNING c.id, c.status, b.programme_id, c.face_value_cents`,
        [lines.map((l) => l.cheque_id)],
      );
      if (restored.length !== lines.length)
        throw new Error(
          `redemption ${id}: ${lines.length} lines but ${restored.length} cheques restored`,
        );
      const cancelledCheques = restored.filter((c) => c.status === 'CANCELLED');
      let releasedCents = 0;
      for (const programme of programmes) {
        const cents = cancelledCheques
          .filter((c) => c.programme_id === programme.id)
          .reduce((sum, c) => sum + Number(c.face_value_cents), 0);
        if (cents > 0) await this.programmes.release(em, programme, cents);
        releasedCents += cents;
      }
      Object.assign(redemption, {
        status: 'CANCELLED',
        cancelledAt: new Date(),
        cancelledBy: actor.id,
        cancelReason: dto.reason,
      });
      await em.save(redemption);
      await this.audit.record(em, actor, {
        action: 'redemption.cancelled',
        entityType: 'redemption',
        entityId: id,
        before: { status: 'ACTIVE' },
        after: {
          status: 'CANCELLED',
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
   * Reverses a redemption already on an issued statement (administrators): nothing issued is
   * edited; the association's next statement carries a negative correction line for each cheque.
   * The cheques stay consumed.
   */
  async reverse(actor: Actor, id: string, dto: CancelRedemptionDto): Promise<RedemptionDto> {
    return this.dataSource.transaction(async (em) => {
      const redemption = await em.findOne(Redemption, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!redemption) throw new NotFoundError('Encaissement', id);
      if (redemption.status !== 'ACTIVE')
        throw new ConflictError("Cet encaissement n'est plus actif.", 'REDEMPTION_NOT_ACTIVE');
      const onStatement = await queryRows(em, `SELECT 1 FROM statement WHERE claim_id = $1`, [
        redemption.claimId,
      ]);
      if (!redemption.claimId || onStatement.length === 0) {
        throw new ConflictError(
          "Cet encaissement ne figure sur aucun état émis : annulez-le au lieu de l'extourner.",
          'REDEMPTION_NOT_ON_STATEMENT',
        );
      }
      Object.assign(redemption, {
        status: 'REVERSED',
        reversedAt: new Date(),
        reversedBy: actor.id,
        reverseReason: dto.reason,
      });
      await em.save(redemption);
      await this.audit.record(em, actor, {
        action: 'redemption.reversed',
        entityType: 'redemption',
        entityId: id,
        before: { status: 'ACTIVE' },
        after: { status: 'REVERSED', reason: dto.reason, totalCents: redemption.totalCents },
      });
      return (await this.load(em, [id]))[0];
    });
  }

  async list(actor: Actor, q: RedemptionQueryDto): Promise<RedemptionPageDto> {
    const { where, params } = this.filters(actor, q);
    const [totals] = await queryRows<{ count: number; cheque_count: number; total_cents: string }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS count, coalesce(sum(cheque_count), 0)::int AS cheque_count, coalesce(sum(total_cents), 0)::bigint AS total_cents FROM redemption r WHERE ${where}`,
      params,
    );
    const ids: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM redemption r WHERE ${where} ORDER BY session_date DESC, created_at DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.pageSize, q.offset],
    );
    return {
      items: await this.load(
        this.dataSource.manager,
        ids.map((r) => r.id),
      ),
      total: totals.count,
      page: q.page,
      pageSize: q.pageSize,
      totals: {
        count: totals.count,
        chequeCount: totals.cheque_count,
        totalCents: Number(totals.total_cents),
      },
    };
  }

  /** The filtered redemptions, one line per cheque, streamed. */
  async writeCsv(
    actor: Actor,
    q: RedemptionQueryDto,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const { where, params } = this.filters(actor, q);
    onReady(`encaissements-${parisToday()}.csv`);
    out.write(
      CSV_BOM +
        csvLine([
          'date_seance',
          'activite',
          'numero_carnet',
          'cheque',
          'montant_euros',
          'statut',
          'encaissement',
          'structure_siret',
        ]),
    );
    let offset = 0;
    for (;;) {
      const rows: {
        session_date: string;
        activity: string;
        number: string;
        position: number;
        amount: string;
        status: string;
        id: string;
        siret: string;
      }[] = await this.dataSource.query(
        `SELECT r.session_date::text, r.activity, b.number, c.position, l.amount_cents AS amount, r.status, r.id, a.siret
             FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
             JOIN booklet b ON b.id = c.booklet_id JOIN association a ON a.id = r.association_id
            WHERE ${where} ORDER BY r.session_date, r.created_at, r.id, c.position LIMIT 5000 OFFSET $${params.length + 1}`,
        [...params, offset],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        if (
          !out.write(
            csvLine([
              frenchDate(r.session_date),
              r.activity,
              r.number,
              r.position,
              csvAmount(Number(r.amount)),
              r.status,
              r.id,
              r.siret,
            ]),
          )
        )
          await once(out, 'drain');
      }
      offset += rows.length;
    }
    out.end();
  }

  /** The public check behind a cheque's QR: its state, value and expiry, nothing about people. */
  async publicCheck(input: string, ip: string | undefined): Promise<PublicChequeDto> {
    const ipKey = `public-check:ip:${ip ?? 'unknown'}`;
    await this.limiter.consume(
      [ipKey],
      this.config.get('PUBLIC_CHECK_LIMIT'),
      this.config.get('PUBLIC_CHECK_WINDOW_SECONDS'),
    );
    const read = readChequeInput(input, this.baseUrl);
    if ('refusal' in read) throw new ChequeRefusedError([read]);
    const [facts] = await queryRows<ChequeFacts>(this.dataSource.manager, FACTS_SQL, [[read.code]]);
    if (!facts) throw new ChequeRefusedError([{ code: input, refusal: 'CHEQUE_UNKNOWN' }]);
    const today = parisToday();
    const status =
      facts.status === 'REDEEMED'
        ? 'USED'
        : facts.status === 'CANCELLED'
          ? 'CANCELLED'
          : today > facts.expires_on
            ? 'EXPIRED'
            : 'VALID';
    return { status, faceValueCents: facts.face_value_cents, expiresOn: facts.expires_on };
  }

  /**
   * Runs a lookup under the failed-lookup limit (per user and per IP): refused at once when the
   * limit is reached; each unknown code or probable typo counts; refusals are audited as anomalies.
   */
  private async guardLookup<T>(caller: Caller, tried: string[], fn: () => Promise<T>): Promise<T> {
    const keys = [`lookup:user:${caller.actor.id}`, `lookup:ip:${caller.ip ?? 'unknown'}`];
    const limit = this.config.get('LOOKUP_FAILURE_LIMIT');
    const window = this.config.get('LOOKUP_FAILURE_WINDOW_SECONDS');
    const triedForAudit = () => tried.map((t) => t.slice(0, 200));
    try {
      await this.limiter.assertBelow(keys, limit, window);
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

  private evaluate(
    code: string,
    facts: ChequeFacts | undefined,
    today: string,
    sessionDate: string,
  ): ChequeRefusal | null {
    const printed = formatChequeCode(code);
    if (!facts) return { code: printed, refusal: 'CHEQUE_UNKNOWN' };
    if (facts.status === 'REDEEMED')
      return {
        code: printed,
        refusal: 'CHEQUE_ALREADY_REDEEMED',
        ...(facts.redeemed_on ? { redeemedOn: frenchDate(facts.redeemed_on) } : {}),
      };
    // A cheque of a cancelled booklet is never redeemable, whatever its own row says.
    if (facts.status === 'CANCELLED' || facts.booklet_status === 'CANCELLED')
      return { code: printed, refusal: 'CHEQUE_CANCELLED' };
    if (today > facts.expires_on) return { code: printed, refusal: 'CHEQUE_EXPIRED' };
    if (sessionDate < facts.valid_from || today < facts.valid_from)
      return { code: printed, refusal: 'CHEQUE_NOT_YET_VALID' };
    return null;
  }

  private async assertAccredited(em: EntityManager, actor: Actor, day: string): Promise<void> {
    const associationId = ownAssociationId(actor, REDEEMERS_ONLY);
    if (!(await this.associations.isAccredited(em, associationId, day))) {
      throw new DomainError(
        'ASSOCIATION_NOT_ACCREDITED',
        403,
        "Votre structure n'est pas habilitée à encaisser des chèques à cette date.",
      );
    }
  }

  /** Inserts the key (waiting for a concurrent holder) or returns the stored result to replay. */
  private async claimIdempotencyKey(
    em: EntityManager,
    userId: string,
    key: string,
    requestHash: string,
  ): Promise<RedeemResult | null> {
    const inserted = await queryRows(
      em,
      `INSERT INTO idempotency_key (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'PENDING') ON CONFLICT DO NOTHING RETURNING key`,
      [userId, key, requestHash],
    );
    if (inserted.length === 1) return null;
    const existing = await em.findOneByOrFail(IdempotencyKey, { userId, key });
    if (existing.requestHash !== requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        422,
        'Cette clé d’idempotence a déjà servi pour une autre demande.',
        {
          errors: [
            { field: 'Idempotency-Key', message: 'key already used with another request body' },
          ],
        },
      );
    }
    return {
      status: existing.responseStatus!,
      body: existing.responseBody as RedemptionDto,
      replayed: true,
    };
  }

  private filters(actor: Actor, q: RedemptionQueryDto): { where: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      clauses.push(sql.replace('?', `$${params.length}`));
    };
    const associationId = associationFilter(actor, q.associationId);
    if (associationId) add('r.association_id = ?', associationId);
    if (q.from) add('r.session_date >= ?', q.from);
    if (q.to) add('r.session_date <= ?', q.to);
    if (q.status) add('r.status = ?', q.status);
    if (q.claimId) add('r.claim_id = ?', q.claimId);
    return { where: clauses.length ? clauses.join(' AND ') : 'true', params };
  }

  private async load(em: EntityManager, ids: string[]): Promise<RedemptionDto[]> {
    if (ids.length === 0) return [];
    const redemptions = await em
      .createQueryBuilder(Redemption, 'r')
      .where('r.id = ANY(:ids)', { ids })
      .getMany();
    const lines = await queryRows<
      { redemption_id: string } & Pick<
        ChequeFacts,
        'code' | 'booklet_number' | 'position' | 'face_value_cents'
      >
    >(
      em,
      `SELECT l.redemption_id, c.code, b.number AS booklet_number, c.position, l.amount_cents::int AS face_value_cents
         FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
        WHERE l.redemption_id = ANY($1) ORDER BY b.number, c.position`,
      [ids],
    );
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
      cheques: cheques.map((c) => ({
        code: formatChequeCode(c.code),
        bookletNumber: c.booklet_number,
        position: c.position,
        faceValueCents: c.face_value_cents,
      })),
    };
  }

  private get baseUrl(): string {
    return this.config.get('PUBLIC_BASE_URL');
  }
}
