import { Injectable } from '@nestjs/common';
import { formatEuros } from '../common/money';
import { frenchCount } from '../common/french-words';
import { OutboxService } from '../mail/outbox.service';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Association } from '../associations/association.entity';
import { AssociationsService } from '../associations/associations.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { associationFilter, canSeeAssociation } from '../common/access/scope';
import { frenchDate, parisToday, parisYear } from '../common/dates';
import {
  invalidTransition,
  NotFoundError,
  ValidationFailedError,
} from '../common/errors/common.errors';
import { Page, pageOf } from '../common/pagination';
import { maskIban } from '../common/validators';
import { violatedConstraint } from '../database/sql';
import { CancelRedemptionDto, RedemptionDto } from '../redemptions/dto/redemption.dto';
import { RedemptionsService } from '../redemptions/redemptions.service';
import { assertTwoPeople } from '../users/four-eyes';
import { User } from '../users/user.entity';
import { AppConfig } from '../config/app-config';
import { ClaimsService } from './claims.service';
import { StatementDocumentsService } from './statement-documents.service';
import {
  MarkPaidDto,
  PaymentTrackDto,
  StatementDetailDto,
  StatementDto,
  StatementLineDto,
  StatementQueryDto,
} from './dto/statement.dto';
import { Statement } from './statement.entity';
import { STATEMENT_ERRORS } from './statement.errors';
import * as queries from './statement.queries';
import { PAYABLE_STATUSES, statementActions } from './statement.rules';
import type { StatementLineRow } from './statement.queries';

const mandateNumberUsed = (mandate: string, statementNumber: string | null) =>
  STATEMENT_ERRORS.fieldError(
    'MANDATE_NUMBER_ALREADY_USED',
    'mandateNumber',
    'mandate number already recorded',
    { mandate, where: statementNumber ? ` pour l'état ${statementNumber}` : '' },
  );

const paymentReferenceUsed = (reference: string, statementNumber: string | null) =>
  STATEMENT_ERRORS.fieldError(
    'PAYMENT_REFERENCE_ALREADY_USED',
    'paymentReference',
    'payment reference already recorded',
    { reference, where: statementNumber ? ` pour l'état ${statementNumber}` : '' },
  );

/**
 * Reimbursement statements (états de remboursement): issued from a submitted claim, approved by
 * another person, marked paid; immutable once issued (triggers), corrected only by the negative
 * lines of a later statement (a reversal, here too: it is decided against an issued statement).
 */
@Injectable()
export class StatementsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly associations: AssociationsService,
    private readonly claims: ClaimsService,
    private readonly redemptions: RedemptionsService,
    private readonly documents: StatementDocumentsService,
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * Turns a submitted claim into a statement: the next number of the year under the counter's row
   * lock (gapless: a rolled-back issue gives its number back), the lines and totals frozen, the
   * association's identity and bank details copied, the content hash sealed, all in one transaction.
   */
  async issue(actor: Actor, id: string): Promise<StatementDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.claims.lock(em, actor, id);
      const refuse = (from: string) => invalidTransition('Cette demande', from, 'émettre');
      if (claim.status !== 'SUBMITTED') throw refuse(claim.status);
      await this.claims.assertBeforeDeadline(
        em,
        claim.id,
        parisToday(claim.submittedAt ?? new Date()),
      );
      const association = await this.associations.lock(em, claim.associationId);
      const sums = await queries.computeIssueLines(em, claim.id, claim.associationId);
      if (sums.lines === 0)
        throw STATEMENT_ERRORS.custom(
          'NOTHING_TO_CLAIM',
          'Cette demande ne contient plus aucun encaissement.',
        );
      const year = parisYear();
      const seq = await queries.nextStatementSeq(em, year);
      const number = `ER-${year}-${String(seq).padStart(5, '0')}`;
      const statementId = await queries.insertStatement(em, {
        number,
        year,
        seq,
        claimId: claim.id,
        association: {
          id: association.id,
          name: association.name,
          siret: association.siret,
          address: `${association.address}, ${association.postalCode} ${association.city}`,
          iban: association.iban,
          bic: association.bic,
        },
        sums,
        issuedBy: actor.id,
      });
      claim.status = 'ISSUED';
      await em.save(claim);
      const issued = await em.findOneByOrFail(Statement, { id: statementId });
      // the message before the audit event, which is last (it holds the chain's lock)
      await this.outbox.enqueue(
        em,
        'STATEMENT_ISSUED',
        await this.associations.messageRecipients(em, association),
        {
          number,
          association: association.name,
          amount: formatEuros(Number(issued.totalCents)),
          cheques: frenchCount(issued.lineCount, 'chèque', 'chèques'),
          link: `${this.config.get('PUBLIC_BASE_URL')}/structure/etats`,
        },
      );
      await this.audit.record(em, actor, {
        action: 'statement.issued',
        entityType: 'statement',
        entityId: statementId,
        before: { claimId: claim.id, claimStatus: 'SUBMITTED' },
        after: {
          number,
          totalCents: issued.totalCents,
          lineCount: issued.lineCount,
          contentHash: issued.contentHash,
        },
      });
      return (await this.dtos(em, actor, [issued]))[0];
    });
  }

  /** Approval by an administrator who did not issue the statement (four eyes). */
  async approve(actor: Actor, id: string): Promise<StatementDto> {
    return this.dataSource.transaction(async (em) => {
      const statement = await this.lock(em, id);
      const refuse = (from: string) =>
        invalidTransition(`L'état ${statement.number}`, from, 'approuver');
      if (statement.status !== 'ISSUED') throw refuse(statement.status);
      await assertTwoPeople(em, statement.issuedBy, actor.id, `L'état ${statement.number}`);
      // the certifier as printed: a later change of name or function changes nothing
      const approver = await em.findOneByOrFail(User, { id: actor.id });
      await this.audit.changeState(em, actor, statement, {
        action: 'statement.approved',
        entityType: 'statement',
        from: ['ISSUED'],
        to: 'APPROVED',
        refuse,
        set: {
          approvedBy: actor.id,
          approvedAt: new Date(),
          approverName: approver.displayName ?? approver.email,
          approverTitle: approver.jobTitle,
        },
        // the supporting document as certified, drawn and kept once
        thenWrite: () => this.documents.keep(em, statement),
      });
      return (await this.dtos(em, actor, [statement]))[0];
    });
  }

  /** A payment recorded by hand, for one statement. */
  async markPaid(actor: Actor, id: string, dto: MarkPaidDto): Promise<StatementDto> {
    return this.dataSource.transaction(async (em) => {
      const statement = await this.lock(em, id);
      await this.recordPayment(em, actor, statement, {
        paidOn: dto.paidOn,
        paymentReference: dto.paymentReference,
        mandateNumber: dto.mandateNumber ?? null,
      });
      return (await this.dtos(em, actor, [statement]))[0];
    });
  }

  /**
   * Records a statement's payment, in the caller's transaction, the statement locked: the one rule
   * for a payment recorded by hand and for one read back from the finance software. Paid outside
   * any batch (APPROVED) or once its batch is sent (SENT); not in the future, not before issue or
   * approval (Paris days); payment reference and mandate number never recorded twice.
   */
  async recordPayment(
    em: EntityManager,
    actor: Actor,
    statement: Statement,
    payment: { paidOn: string; paymentReference: string; mandateNumber: string | null },
    source: 'manual' | 'results' = 'manual',
  ): Promise<void> {
    const { paidOn, paymentReference, mandateNumber } = payment;
    const refuse = (from: string) =>
      invalidTransition(`L'état ${statement.number}`, from, 'marquer payé');
    if (statement.status === 'IN_BATCH')
      throw STATEMENT_ERRORS.error('STATEMENT_IN_PREPARED_BATCH', {
        number: statement.number,
        batch: (await this.batchNumber(em, statement)) ?? '',
      });
    if (!(PAYABLE_STATUSES as readonly string[]).includes(statement.status))
      throw refuse(statement.status);
    if (paidOn > parisToday())
      throw new ValidationFailedError(
        [
          {
            field: 'paidOn',
            message: 'paidOn must not be in the future',
            fr: 'ne peut pas être dans le futur',
          },
        ],
        'La date de paiement ne peut pas être dans le futur.',
      );
    const approvedOn = parisToday(statement.approvedAt!);
    if (paidOn < approvedOn || paidOn < parisToday(statement.issuedAt))
      throw STATEMENT_ERRORS.fieldError(
        'PAID_BEFORE_APPROVAL',
        'paidOn',
        `paidOn must not be before ${approvedOn}`,
        { approvedOn: frenchDate(approvedOn) },
      );
    const used = await queries.statementWithPaymentReference(em, paymentReference);
    if (used) throw paymentReferenceUsed(paymentReference, used);
    const mandateUsed =
      mandateNumber && (await queries.statementWithMandateNumber(em, mandateNumber));
    if (mandateNumber && mandateUsed) throw mandateNumberUsed(mandateNumber, mandateUsed);
    await this.audit
      .changeState(em, actor, statement, {
        action: 'statement.paid',
        entityType: 'statement',
        from: PAYABLE_STATUSES,
        to: 'PAID',
        refuse,
        set: { paidOn, paymentReference, mandateNumber, paidBy: actor.id },
        after: { paidOn, paymentReference, mandateNumber, source },
        thenWrite: () => this.tellPaid(em, statement),
      })
      .catch((err: unknown) => {
        // the same reference recorded by a concurrent payment: the database's unique indexes
        const constraint = violatedConstraint(err);
        if (constraint === 'uq_statement_payment_reference')
          throw paymentReferenceUsed(paymentReference, null);
        if (constraint === 'uq_statement_mandate_number' && mandateNumber)
          throw mandateNumberUsed(mandateNumber, null);
        throw err;
      });
  }

  /** The association learns that its statement is paid: amount, date, transfer reference. */
  private async tellPaid(em: EntityManager, statement: Statement): Promise<void> {
    // read, not locked: a message takes no lock that the payment's own order does not
    const association = await em.findOneByOrFail(Association, { id: statement.associationId });
    await this.outbox.enqueue(
      em,
      'STATEMENT_PAID',
      await this.associations.messageRecipients(em, association),
      {
        number: statement.number,
        association: statement.associationName,
        amount: formatEuros(Number(statement.totalCents)),
        paidOn: frenchDate(statement.paidOn!),
        reference: statement.paymentReference!,
        link: `${this.config.get('PUBLIC_BASE_URL')}/structure/etats`,
      },
    );
  }

  /**
   * Statements taken into, or released from, a payment batch, or sent with it: the batch's own
   * transaction has them locked (lockPayable) and records the step in its audit event.
   */
  async moveWithBatch(
    em: EntityManager,
    statementIds: string[],
    step: 'TAKEN' | 'RELEASED' | 'SENT',
  ): Promise<void> {
    const [from, to] = {
      TAKEN: ['APPROVED', 'IN_BATCH'],
      RELEASED: ['IN_BATCH', 'APPROVED'],
      SENT: ['IN_BATCH', 'SENT'],
    }[step];
    const moved = await queries.setBatchStatus(em, statementIds, from, to);
    // the batch's lines name these statements: every one of them is at `from`
    if (moved !== statementIds.length)
      throw new Error(`${statementIds.length - moved} statement(s) of the batch are not ${from}`);
  }

  /**
   * Reverses a redemption already on an issued statement (administrators): nothing issued is
   * edited; the association's next statement carries a negative correction line for each cheque.
   * The cheques stay consumed.
   */
  async reverseRedemption(
    actor: Actor,
    redemptionId: string,
    dto: CancelRedemptionDto,
  ): Promise<RedemptionDto> {
    return this.dataSource.transaction(async (em) => {
      const redemption = await this.redemptions.lock(em, redemptionId);
      if (redemption.status === 'ACTIVE') {
        const onStatement =
          redemption.claimId !== null && (await queries.claimHasStatement(em, redemption.claimId));
        if (!onStatement) throw STATEMENT_ERRORS.error('REDEMPTION_NOT_ON_STATEMENT');
      }
      return this.redemptions.markReversed(em, actor, redemption, dto.reason);
    });
  }

  async getStatement(actor: Actor, id: string): Promise<StatementDetailDto> {
    const statement = await this.findStatement(actor, id);
    const em = this.dataSource.manager;
    const lines = await queries.statementLines(em, id, 0, 1000);
    return { ...(await this.dtos(em, actor, [statement]))[0], lines: lines.map(lineDto) };
  }

  async listStatements(actor: Actor, q: StatementQueryDto): Promise<Page<StatementDto>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Statement, 's')
      .orderBy('s.year', 'DESC')
      .addOrderBy('s.seq', 'DESC')
      .skip(q.offset)
      .take(q.pageSize);
    const associationId = associationFilter(actor, q.associationId);
    if (associationId) query.andWhere('s.association_id = :associationId', { associationId });
    if (q.status) query.andWhere('s.status = :status', { status: q.status });
    if (q.from)
      query.andWhere(`s.issued_at >= (:from::date AT TIME ZONE 'Europe/Paris')`, { from: q.from });
    if (q.to)
      query.andWhere(`s.issued_at < ((:to::date + 1) AT TIME ZONE 'Europe/Paris')`, { to: q.to });
    if (q.programmeId) {
      query.andWhere(
        `EXISTS (SELECT 1 FROM statement_line l JOIN redemption_line rl ON rl.id = l.redemption_line_id JOIN cheque c ON c.id = rl.cheque_id
                  JOIN booklet b ON b.id = c.booklet_id WHERE l.statement_id = s.id AND b.programme_id = :programmeId)`,
        { programmeId: q.programmeId },
      );
    }
    const found = await query.getManyAndCount();
    const dtos = await this.dtos(this.dataSource.manager, actor, found[0]);
    return pageOf(q, found, (_, i) => dtos[i]);
  }

  /** The statement's lines in order, `size` at a time (keyset paging, constant memory). */
  linePages(statementId: string, size = 5000): AsyncGenerator<StatementLineRow[]> {
    return queries.linePages(this.dataSource.manager, statementId, size);
  }

  async findStatement(actor: Actor, id: string): Promise<Statement> {
    const statement = await this.dataSource.manager.findOneBy(Statement, { id });
    if (!statement || !canSeeAssociation(actor, statement.associationId))
      throw new NotFoundError('État de remboursement', id);
    return statement;
  }

  /** The number of the live payment batch that carries the statement, if any. */
  async batchNumber(em: EntityManager, s: Statement): Promise<string | null> {
    if (!['IN_BATCH', 'SENT', 'PAID'].includes(s.status)) return null;
    return (await queries.batchNumbers(em, [s.id])).get(s.id) ?? null;
  }

  /**
   * Where each claim's money stands (an association sees its own): the date of every step and
   * the days since approval against the payment-delay target; `lateOnly` keeps the statements
   * approved and unpaid beyond it (the administrators' watch list).
   */
  async paymentTrack(
    actor: Actor,
    q: { late?: boolean; associationId?: string; pageSize?: number } = {},
  ): Promise<PaymentTrackDto[]> {
    const target = this.config.get('PAYMENT_DELAY_DAYS');
    const rows = await queries.paymentTrack(this.dataSource.manager, {
      associationId: associationFilter(actor, q.associationId),
      lateAfterDays: q.late ? target : undefined,
      limit: q.pageSize ?? 500,
    });
    return rows.map((r) => ({
      claimId: r.claim_id,
      associationId: r.association_id,
      associationName: r.association_name,
      upTo: r.up_to,
      totalCents: Number(r.total_cents),
      statementId: r.statement_id,
      statementNumber: r.statement_number,
      step: r.statement_status ?? r.claim_status,
      submittedAt: r.submitted_at?.toISOString() ?? null,
      issuedAt: r.issued_at?.toISOString() ?? null,
      approvedAt: r.approved_at?.toISOString() ?? null,
      inBatchAt: r.in_batch_at?.toISOString() ?? null,
      sentAt: r.sent_at?.toISOString() ?? null,
      paidOn: r.paid_on,
      mandateNumber: r.mandate_number,
      daysSinceApproval: r.days_since_approval,
      targetDays: target,
      late:
        r.statement_status !== 'PAID' &&
        r.days_since_approval !== null &&
        r.days_since_approval > target,
    }));
  }

  /** The statements as the API shows them, with their batch and a recent bank-details change. */
  async dtos(em: EntityManager, actor: Actor, statements: Statement[]): Promise<StatementDto[]> {
    const ids = statements.map((s) => s.id);
    const [batches, recent] = await Promise.all([
      queries.batchNumbers(em, ids),
      queries.recentBankChanges(em, ids),
    ]);
    return statements.map((s) => this.toDto(s, actor, batches.get(s.id) ?? null, recent.has(s.id)));
  }

  private toDto(
    s: Statement,
    actor: Actor,
    batchNumber: string | null,
    bankDetailsRecentlyChanged: boolean,
  ): StatementDto {
    // who did what in the département is shown to its staff, not to associations
    const staff = actor.role !== 'ASSOCIATION';
    return {
      actions: statementActions(s, actor),
      id: s.id,
      number: s.number,
      status: s.status,
      associationId: s.associationId,
      associationName: s.associationName,
      associationSiret: s.associationSiret,
      associationIban:
        actor.role === 'ASSOCIATION' ? maskIban(s.associationIban) : s.associationIban,
      periodFrom: s.periodFrom,
      periodTo: s.periodTo,
      totalCents: s.totalCents,
      kind: s.totalCents < 0 ? 'CORRECTION' : 'REIMBURSEMENT',
      lineCount: s.lineCount,
      contentHash: s.contentHash,
      issuedAt: s.issuedAt.toISOString(),
      issuedBy: staff ? s.issuedBy : null,
      approvedAt: s.approvedAt?.toISOString() ?? null,
      approvedBy: staff ? s.approvedBy : null,
      paidOn: s.paidOn,
      paidBy: staff ? s.paidBy : null,
      paymentReference: s.paymentReference,
      mandateNumber: s.mandateNumber,
      approverName: s.approverName,
      approverTitle: s.approverTitle,
      batchNumber,
      bankDetailsRecentlyChanged,
      imputations: s.imputations,
    };
  }

  /** Statements in number order. */
  byIds(em: EntityManager, ids: string[]): Promise<Statement[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(Statement, 's')
      .where('s.id IN (:...ids)', { ids })
      .orderBy('s.year')
      .addOrderBy('s.seq')
      .getMany();
  }

  /** Statements locked (FOR UPDATE) in number order, the one lock order of statements. */
  async lockAll(em: EntityManager, ids: string[]): Promise<Statement[]> {
    if (ids.length === 0) return [];
    return em
      .createQueryBuilder(Statement, 's')
      .setLock('pessimistic_write')
      .where('s.id IN (:...ids)', { ids })
      .orderBy('s.year')
      .addOrderBy('s.seq')
      .getMany();
  }

  /** The statement, locked (FOR UPDATE), or 404. */
  private async lock(em: EntityManager, id: string): Promise<Statement> {
    const statement = await em.findOne(Statement, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!statement) throw new NotFoundError('État de remboursement', id);
    return statement;
  }
}

function lineDto(l: StatementLineRow): StatementLineDto {
  return {
    lineNo: l.line_no,
    sessionDate: l.session_date,
    activity: l.activity,
    bookletNumber: l.booklet_number,
    chequePosition: l.cheque_position,
    amountCents: Number(l.amount_cents),
    correctsStatementNumber: l.corrects_statement_number,
  };
}
