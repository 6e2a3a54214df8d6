import { Injectable } from '@nestjs/common';
import { Association } from '../associations/association.entity';
import { formatEuros } from '../common/money';
import { frenchCount } from '../common/french-words';
import { AppConfig } from '../config/app-config';
import { OutboxService } from '../mail/outbox.service';
import { UsersService } from '../users/users.service';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AssociationsService } from '../associations/associations.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { associationFilter, canSeeAssociation, ownAssociationId } from '../common/access/scope';
import { frenchDate, parisToday } from '../common/dates';
import { DomainError } from '../common/errors/domain-error';
import { invalidTransition, NotFoundError } from '../common/errors/common.errors';
import { Page, pageOf } from '../common/pagination';
import { RedemptionsService } from '../redemptions/redemptions.service';
import { Claim } from './claim.entity';
import { ClaimDto, ClaimQueryDto } from './dto/statement.dto';
import { Statement } from './statement.entity';
import { STATEMENT_ERRORS } from './statement.errors';
import * as queries from './statement.queries';
import { claimActions } from './statement.rules';

/**
 * Claims (demandes de remboursement): an association gathers its unclaimed redemptions and
 * submits them, or the monthly cut-off does it for every association; the département rejects a
 * claim (its redemptions are freed) or issues it as a statement (StatementsService).
 */
@Injectable()
export class ClaimsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly associations: AssociationsService,
    private readonly redemptions: RedemptionsService,
    private readonly outbox: OutboxService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  /** The association's unclaimed active redemptions up to `upTo`, gathered into a draft claim. */
  async createClaim(actor: Actor, upTo: string): Promise<ClaimDto> {
    const associationId = ownAssociationId(actor);
    return this.dataSource.transaction((em) =>
      this.gather(em, actor, associationId, upTo, 'DRAFT'),
    );
  }

  /**
   * The monthly cut-off: one submitted claim per association with unclaimed redemptions, and one
   * per association that owes money back (corrections of redemptions reversed after a statement)
   * with nothing to claim — issued, it is a correction statement (negative total) for a recovery
   * order. Corrections never stay pending past a cut-off.
   */
  async runCutOff(actor: Actor, periodEnd: string): Promise<ClaimDto[]> {
    const associations = await queries.associationsToCut(this.dataSource.manager, periodEnd);
    const claims: ClaimDto[] = [];
    for (const associationId of associations) {
      try {
        claims.push(
          await this.dataSource.transaction((em) =>
            this.gather(em, actor, associationId, periodEnd, 'SUBMITTED'),
          ),
        );
      } catch (err) {
        // Another cut-off took them first, or nothing is claimable any more: then only what it
        // owes back, if anything.
        if (!(
          err instanceof DomainError &&
          ['NOTHING_TO_CLAIM', 'CLAIM_DEADLINE_PASSED'].includes(err.code)
        ))
          throw err;
        const correction = await this.dataSource.transaction((em) =>
          this.correctionClaim(em, actor, associationId, periodEnd),
        );
        if (correction) claims.push(correction);
      }
    }
    await this.audit.recordAlone(actor, {
      action: 'statements.cut_off',
      entityType: 'claim',
      after: { periodEnd, claims: claims.map((c) => c.id) },
    });
    return claims;
  }

  async submit(actor: Actor, id: string): Promise<ClaimDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.lock(em, actor, id);
      const refuse = (from: string) => invalidTransition('Cette demande', from, 'soumettre');
      if (claim.status !== 'DRAFT') throw refuse(claim.status);
      // The claim deadline binds the association: it must submit by then. The département's own
      // processing (issue, approval, payment) of a claim submitted in time may come later.
      await this.assertBeforeDeadline(em, claim.id, parisToday());
      // the message is written before the audit event, which is last (it holds the chain's lock)
      await this.audit.changeState(em, actor, claim, {
        action: 'claim.submitted',
        entityType: 'claim',
        from: ['DRAFT'],
        to: 'SUBMITTED',
        refuse,
        set: { submittedAt: new Date() },
        thenWrite: () => this.tellSubmitted(em, claim),
      });
      return this.toDto(claim, null, actor);
    });
  }

  /** The administrators learn that a claim waits for them. */
  private async tellSubmitted(em: EntityManager, claim: Claim): Promise<void> {
    const association = await em.findOneByOrFail(Association, { id: claim.associationId });
    await this.outbox.enqueue(em, 'CLAIM_SUBMITTED', await this.users.activeEmails(em, ['ADMIN']), {
      association: association.name,
      amount: formatEuros(claim.totalCents),
      redemptions: frenchCount(claim.redemptionCount, 'encaissement', 'encaissements'),
      link: `${this.config.get('PUBLIC_BASE_URL')}/admin/etats`,
    });
  }

  async reject(actor: Actor, id: string, reason: string): Promise<ClaimDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.lock(em, actor, id);
      const refuse = (from: string) => invalidTransition('Cette demande', from, 'rejeter');
      if (claim.status !== 'SUBMITTED') throw refuse(claim.status);
      const freed = await this.redemptions.detachFromClaim(em, id);
      await this.audit.changeState(em, actor, claim, {
        action: 'claim.rejected',
        entityType: 'claim',
        from: ['SUBMITTED'],
        to: 'REJECTED',
        refuse,
        set: { rejectReason: reason },
        after: { reason, freedRedemptions: freed },
      });
      return this.toDto(claim, null, actor);
    });
  }

  /** Refuses when `day` is after the claim deadline of a programme whose cheques are on the claim. */
  async assertBeforeDeadline(em: EntityManager, claimId: string, day: string): Promise<void> {
    const deadline = await queries.claimDeadline(em, claimId);
    if (deadline && day > deadline)
      throw STATEMENT_ERRORS.fieldError(
        'CLAIM_DEADLINE_PASSED',
        'id',
        `claim deadline ${deadline} passed`,
        { deadline: ` (${frenchDate(deadline)})` },
      );
  }

  async getClaim(actor: Actor, id: string): Promise<ClaimDto> {
    const claim = await this.dataSource.manager.findOneBy(Claim, { id });
    if (!claim || !canSeeAssociation(actor, claim.associationId))
      throw new NotFoundError('Demande', id);
    const statement = await this.dataSource.manager.findOne(Statement, {
      where: { claimId: id },
      select: { id: true },
    });
    return this.toDto(claim, statement?.id ?? null, actor);
  }

  async listClaims(actor: Actor, q: ClaimQueryDto): Promise<Page<ClaimDto>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Claim, 'c')
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .skip(q.offset)
      .take(q.pageSize);
    const associationId = associationFilter(actor, q.associationId);
    if (associationId) query.andWhere('c.association_id = :associationId', { associationId });
    if (q.status) query.andWhere('c.status = :status', { status: q.status });
    const found = await query.getManyAndCount();
    // the statement each issued claim became
    const statements = found[0].length
      ? await this.dataSource.manager.find(Statement, {
          where: { claimId: In(found[0].map((c) => c.id)) },
          select: { id: true, claimId: true },
        })
      : [];
    const byClaim = new Map(statements.map((s) => [s.claimId, s.id]));
    return pageOf(q, found, (c) => this.toDto(c, byClaim.get(c.id) ?? null, actor));
  }

  /** The claim, locked (FOR UPDATE), visible to the caller, or 404. */
  async lock(em: EntityManager, actor: Actor, id: string): Promise<Claim> {
    const claim = await em.findOne(Claim, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!claim || !canSeeAssociation(actor, claim.associationId))
      throw new NotFoundError('Demande', id);
    return claim;
  }

  toDto(c: Claim, statementId: string | null, actor: Actor): ClaimDto {
    return {
      actions: claimActions(c, actor),
      id: c.id,
      associationId: c.associationId,
      upTo: c.upTo,
      status: c.status,
      redemptionCount: c.redemptionCount,
      totalCents: c.totalCents,
      createdAt: c.createdAt.toISOString(),
      submittedAt: c.submittedAt?.toISOString() ?? null,
      rejectReason: c.rejectReason,
      statementId,
    };
  }

  /**
   * A submitted claim of no redemption, for an association that owes money back and has no claim
   * open to carry it: its statement holds only the correction lines. None when nothing is owed or
   * a submitted claim will carry the corrections when issued.
   */
  private async correctionClaim(
    em: EntityManager,
    actor: Actor,
    associationId: string,
    upTo: string,
  ): Promise<ClaimDto | null> {
    await this.associations.lock(em, associationId);
    const { owed, open } = await queries.owedCorrections(em, associationId);
    if (owed === 0 || open > 0) return null;
    const claim = await this.newClaim(em, actor, associationId, upTo, 'SUBMITTED');
    await this.recordCreated(em, actor, claim, { correctionsOnly: true });
    return this.toDto(claim, null, actor);
  }

  private async gather(
    em: EntityManager,
    actor: Actor,
    associationId: string,
    upTo: string,
    status: 'DRAFT' | 'SUBMITTED',
  ): Promise<ClaimDto> {
    await this.associations.lock(em, associationId);
    const candidates = await queries.claimCandidates(em, associationId, upTo);
    const today = parisToday();
    const claimable = candidates.filter((c) => c.claimDeadline >= today);
    if (claimable.length === 0) {
      if (candidates.length > 0)
        throw STATEMENT_ERRORS.fieldError(
          'CLAIM_DEADLINE_PASSED',
          'upTo',
          'claim deadline passed',
          {
            deadline: '',
          },
        );
      throw STATEMENT_ERRORS.fieldError(
        'NOTHING_TO_CLAIM',
        'upTo',
        'no unclaimed redemption up to this date',
      );
    }
    const claim = await this.newClaim(em, actor, associationId, upTo, status);
    const taken = await this.redemptions.attachToClaim(
      em,
      claim.id,
      claimable.map((c) => c.id),
    );
    if (taken.length === 0) throw STATEMENT_ERRORS.error('NOTHING_TO_CLAIM');
    claim.totalCents = taken.reduce((s, cents) => s + cents, 0);
    claim.redemptionCount = taken.length;
    await em.save(claim);
    await this.recordCreated(em, actor, claim);
    return this.toDto(claim, null, actor);
  }

  /** A new claim row, totals zero until its redemptions are taken. */
  private async newClaim(
    em: EntityManager,
    actor: Actor,
    associationId: string,
    upTo: string,
    status: 'DRAFT' | 'SUBMITTED',
  ): Promise<Claim> {
    return em.save(
      em.create(Claim, {
        associationId,
        upTo,
        status,
        totalCents: 0,
        redemptionCount: 0,
        createdBy: actor.id,
        submittedAt: status === 'SUBMITTED' ? new Date() : null,
        rejectReason: null,
      }),
    );
  }

  private async recordCreated(
    em: EntityManager,
    actor: Actor,
    claim: Claim,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.audit.record(em, actor, {
      action: 'claim.created',
      entityType: 'claim',
      entityId: claim.id,
      after: {
        associationId: claim.associationId,
        upTo: claim.upTo,
        status: claim.status,
        redemptionCount: claim.redemptionCount,
        totalCents: claim.totalCents,
        ...extra,
      },
    });
  }
}
