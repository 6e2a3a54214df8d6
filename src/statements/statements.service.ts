import { Injectable } from '@nestjs/common';
import { associationFilter, canSeeAssociation, ownAssociationId } from '../auth/scope';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/role';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate, parisToday, parisYear } from '../common/dates';
import {
  ConflictError,
  DomainError,
  invalidTransition,
  NotFoundError,
} from '../common/errors/domain-error';
import { Page } from '../common/pagination';
import { maskIban } from '../common/validators';
import { queryRows, violatedConstraint } from '../database/sql';
import { Association } from '../associations/association.entity';
import { Claim } from './claim.entity';
import {
  ClaimDto,
  ClaimQueryDto,
  MarkPaidDto,
  ReconciliationDto,
  StatementDetailDto,
  StatementDto,
  StatementLineDto,
  StatementQueryDto,
} from './dto/statement.dto';
import { Statement } from './statement.entity';
import { assertTwoPeople } from '../users/four-eyes';

/**
 * The lines a claim becomes: its active redemptions' cheques (positive), then the corrections of
 * this association's reversed redemptions not yet corrected (negative, naming the statement they
 * correct). $1 claim id, $2 association id.
 */
const LINES_SQL = `
  SELECT 0 AS kind, l.id AS redemption_line_id, r.session_date, r.activity,
         b.number AS booklet_number, c.position AS cheque_position, l.amount_cents, NULL::varchar AS corrects
    FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id AND l.active
    JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
   WHERE r.claim_id = $1 AND r.status = 'ACTIVE'
  UNION ALL
  SELECT 1, l.id, r.session_date, r.activity, b.number, c.position, -l.amount_cents, s.number
    FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
    JOIN statement_line sl ON sl.redemption_line_id = l.id AND sl.amount_cents > 0
    JOIN statement s ON s.id = sl.statement_id
    JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
   WHERE r.association_id = $2 AND r.status = 'REVERSED'
     AND NOT EXISTS (SELECT 1 FROM statement_line n WHERE n.redemption_line_id = l.id AND n.amount_cents < 0)`;

/** On a positive statement line, and on no correction line yet: owed back, not yet carried. */
const PENDING_CORRECTION = `EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = l.id AND sl.amount_cents > 0)
  AND NOT EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = l.id AND sl.amount_cents < 0)`;

function paymentReferenceUsed(reference: string, statementNumber: string | null): DomainError {
  return new DomainError(
    'PAYMENT_REFERENCE_ALREADY_USED',
    409,
    `La référence de paiement ${reference} est déjà enregistrée${statementNumber ? ` pour l'état ${statementNumber}` : ''}.`,
    { errors: [{ field: 'paymentReference', message: 'payment reference already recorded' }] },
  );
}

@Injectable()
export class StatementsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  // ---- claims -------------------------------------------------------------------------------

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
    const associations = await queryRows<{ association_id: string }>(
      this.dataSource.manager,
      `SELECT association_id FROM redemption WHERE status = 'ACTIVE' AND claim_id IS NULL AND session_date <= $1
       UNION
       SELECT r.association_id FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
        WHERE r.status = 'REVERSED' AND ${PENDING_CORRECTION}
       ORDER BY 1`,
      [periodEnd],
    );
    const claims: ClaimDto[] = [];
    for (const { association_id } of associations) {
      try {
        claims.push(
          await this.dataSource.transaction((em) =>
            this.gather(em, actor, association_id, periodEnd, 'SUBMITTED'),
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
          this.correctionClaim(em, actor, association_id, periodEnd),
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
    await em.findOneOrFail(Association, {
      where: { id: associationId },
      lock: { mode: 'for_no_key_update' },
    });
    const [{ owed, open }] = await queryRows<{ owed: number; open: number }>(
      em,
      `SELECT (SELECT count(*) FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
                WHERE r.association_id = $1 AND r.status = 'REVERSED' AND ${PENDING_CORRECTION})::int AS owed,
              (SELECT count(*) FROM claim WHERE association_id = $1 AND status = 'SUBMITTED')::int AS open`,
      [associationId],
    );
    if (owed === 0 || open > 0) return null;
    const claim = await this.newClaim(em, actor, associationId, upTo, 'SUBMITTED');
    await this.recordClaimCreated(em, actor, claim, { correctionsOnly: true });
    return this.claimDto(claim, null);
  }

  async submit(actor: Actor, id: string): Promise<ClaimDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.lockClaim(em, actor, id);
      if (claim.status !== 'DRAFT')
        throw invalidTransition('Cette demande', claim.status, 'soumettre');
      // The claim deadline binds the association: it must submit by then. The département's own
      // processing (issue, approval, payment) of a claim submitted in time may come later.
      await this.assertBeforeClaimDeadline(em, claim.id, parisToday());
      Object.assign(claim, { status: 'SUBMITTED', submittedAt: new Date() });
      await em.save(claim);
      await this.audit.record(em, actor, {
        action: 'claim.submitted',
        entityType: 'claim',
        entityId: id,
        before: { status: 'DRAFT' },
        after: { status: 'SUBMITTED' },
      });
      return this.claimDto(claim, null);
    });
  }

  async reject(actor: Actor, id: string, reason: string): Promise<ClaimDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.lockClaim(em, actor, id);
      if (claim.status !== 'SUBMITTED')
        throw invalidTransition('Cette demande', claim.status, 'rejeter');
      const freed = await queryRows<{ id: string }>(
        em,
        `UPDATE redemption SET claim_id = NULL WHERE claim_id = $1 RETURNING id`,
        [id],
      );
      Object.assign(claim, { status: 'REJECTED', rejectReason: reason });
      await em.save(claim);
      await this.audit.record(em, actor, {
        action: 'claim.rejected',
        entityType: 'claim',
        entityId: id,
        before: { status: 'SUBMITTED' },
        after: { status: 'REJECTED', reason, freedRedemptions: freed.length },
      });
      return this.claimDto(claim, null);
    });
  }

  /**
   * Turns a submitted claim into a statement: the next number of the year under the counter's row
   * lock (gapless: a rolled-back issue gives its number back), the lines and totals frozen, the
   * association's identity and bank details copied, the content hash sealed, all in one transaction.
   */
  async issue(actor: Actor, id: string): Promise<StatementDto> {
    return this.dataSource.transaction(async (em) => {
      const claim = await this.lockClaim(em, actor, id);
      if (claim.status !== 'SUBMITTED')
        throw invalidTransition('Cette demande', claim.status, 'émettre');
      await this.assertBeforeClaimDeadline(
        em,
        claim.id,
        parisToday(claim.submittedAt ?? new Date()),
      );
      const association = await em.findOneOrFail(Association, {
        where: { id: claim.associationId },
        lock: { mode: 'for_no_key_update' },
      });
      // The lines are computed once, into a temporary table dropped at commit.
      await em.query(`CREATE TEMP TABLE issue_lines ON COMMIT DROP AS ${LINES_SQL}`, [
        claim.id,
        claim.associationId,
      ]);
      const [sums] = await queryRows<{
        total: string;
        lines: number;
        period_from: string | null;
        period_to: string | null;
      }>(
        em,
        `SELECT coalesce(sum(amount_cents), 0)::bigint AS total, count(*)::int AS lines,
                min(session_date) FILTER (WHERE kind = 0)::text AS period_from, max(session_date) FILTER (WHERE kind = 0)::text AS period_to
           FROM issue_lines`,
      );
      if (sums.lines === 0)
        throw new ConflictError(
          'Cette demande ne contient plus aucun encaissement.',
          'NOTHING_TO_CLAIM',
        );
      const year = parisYear();
      const [{ last_seq: seq }] = await queryRows<{ last_seq: number }>(
        em,
        `INSERT INTO statement_counter (year, last_seq) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last_seq = statement_counter.last_seq + 1 RETURNING last_seq`,
        [year],
      );
      const number = `ER-${year}-${String(seq).padStart(5, '0')}`;
      const [statement] = await queryRows<{ id: string }>(
        em,
        `INSERT INTO statement (number, year, seq, claim_id, association_id, association_name, association_siret, association_address,
                                association_iban, association_bic, period_from, period_to, total_cents, line_count, content_hash, status, issued_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '', 'ISSUED', $15) RETURNING id`,
        [
          number,
          year,
          seq,
          claim.id,
          association.id,
          association.name,
          association.siret,
          `${association.address}, ${association.postalCode} ${association.city}`,
          association.iban,
          association.bic,
          sums.period_from,
          sums.period_to,
          sums.total,
          sums.lines,
          actor.id,
        ],
      );
      await em.query(
        `INSERT INTO statement_line (statement_id, line_no, redemption_line_id, session_date, activity,
                                     booklet_number, cheque_position, amount_cents, corrects_statement_number)
         SELECT $1, row_number() OVER (ORDER BY kind, session_date, booklet_number, cheque_position), redemption_line_id,
                session_date, activity, booklet_number, cheque_position, amount_cents, corrects
           FROM issue_lines`,
        [statement.id],
      );
      await em.query(
        `UPDATE statement SET content_hash = encode(sha256(convert_to(statement_canonical(id), 'UTF8')), 'hex') WHERE id = $1`,
        [statement.id],
      );
      claim.status = 'ISSUED';
      await em.save(claim);
      const issued = await em.findOneByOrFail(Statement, { id: statement.id });
      await this.audit.record(em, actor, {
        action: 'statement.issued',
        entityType: 'statement',
        entityId: statement.id,
        before: { claimId: claim.id, claimStatus: 'SUBMITTED' },
        after: {
          number,
          totalCents: issued.totalCents,
          lineCount: issued.lineCount,
          contentHash: issued.contentHash,
        },
      });
      return this.statementDto(issued, actor);
    });
  }

  /** Approval by an administrator who did not issue the statement (four eyes). */
  async approve(actor: Actor, id: string): Promise<StatementDto> {
    return this.dataSource.transaction(async (em) => {
      const statement = await this.lockStatement(em, id);
      if (statement.status !== 'ISSUED')
        throw invalidTransition(`L'état ${statement.number}`, statement.status, 'approuver');
      await assertTwoPeople(em, statement.issuedBy, actor.id, `L'état ${statement.number}`);
      Object.assign(statement, {
        status: 'APPROVED',
        approvedBy: actor.id,
        approvedAt: new Date(),
      });
      await em.save(statement);
      await this.audit.record(em, actor, {
        action: 'statement.approved',
        entityType: 'statement',
        entityId: id,
        before: { status: 'ISSUED' },
        after: { status: 'APPROVED' },
      });
      return this.statementDto(statement, actor);
    });
  }

  async markPaid(actor: Actor, id: string, dto: MarkPaidDto): Promise<StatementDto> {
    if (dto.paidOn > parisToday()) {
      throw new DomainError(
        'VALIDATION_FAILED',
        400,
        'La date de paiement ne peut pas être dans le futur.',
        { errors: [{ field: 'paidOn', message: 'paidOn must not be in the future' }] },
      );
    }
    return this.dataSource.transaction(async (em) => {
      const statement = await this.lockStatement(em, id);
      if (statement.status !== 'APPROVED')
        throw invalidTransition(`L'état ${statement.number}`, statement.status, 'marquer payé');
      // Paid after it was issued and approved (Paris days), never before.
      const approvedOn = parisToday(statement.approvedAt!);
      if (dto.paidOn < approvedOn || dto.paidOn < parisToday(statement.issuedAt)) {
        throw new DomainError(
          'PAID_BEFORE_APPROVAL',
          422,
          `La date de paiement ne peut pas précéder l'approbation de l'état (${frenchDate(approvedOn)}).`,
          { errors: [{ field: 'paidOn', message: `paidOn must not be before ${approvedOn}` }] },
        );
      }
      const [inBatch] = await queryRows<{ number: string }>(
        em,
        `SELECT b.number FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
          WHERE p.statement_id = $1 AND NOT p.released AND b.status = 'PREPARED'`,
        [id],
      );
      if (inBatch)
        throw new ConflictError(
          `L'état ${statement.number} est dans le bordereau ${inBatch.number}, pas encore approuvé : approuvez-le ou annulez-le d'abord.`,
          'STATEMENT_IN_PREPARED_BATCH',
        );
      const used = await queryRows<{ number: string }>(
        em,
        `SELECT number FROM statement WHERE payment_reference = $1`,
        [dto.paymentReference],
      );
      if (used.length > 0) throw paymentReferenceUsed(dto.paymentReference, used[0].number);
      Object.assign(statement, {
        status: 'PAID',
        paidOn: dto.paidOn,
        paymentReference: dto.paymentReference,
        paidBy: actor.id,
      });
      await em.save(statement).catch((err: unknown) => {
        // the same reference recorded by a concurrent payment: the database's unique index
        if (violatedConstraint(err) === 'uq_statement_payment_reference')
          throw paymentReferenceUsed(dto.paymentReference, null);
        throw err;
      });
      await this.audit.record(em, actor, {
        action: 'statement.paid',
        entityType: 'statement',
        entityId: id,
        before: { status: 'APPROVED' },
        after: { status: 'PAID', paidOn: dto.paidOn, paymentReference: dto.paymentReference },
      });
      return this.statementDto(statement, actor);
    });
  }

  /** Refuses when `day` is after the claim deadline of a programme whose cheques are on the claim. */
  private async assertBeforeClaimDeadline(
    em: EntityManager,
    claimId: string,
    day: string,
  ): Promise<void> {
    const [{ deadline }] = await queryRows<{ deadline: string | null }>(
      em,
      `SELECT min(p.claim_deadline)::text AS deadline
         FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
         JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
        WHERE r.claim_id = $1`,
      [claimId],
    );
    if (deadline && day > deadline) {
      throw new DomainError(
        'CLAIM_DEADLINE_PASSED',
        422,
        `La date limite de demande de remboursement du dispositif (${frenchDate(deadline)}) est passée.`,
        { errors: [{ field: 'id', message: `claim deadline ${deadline} passed` }] },
      );
    }
  }

  // ---- reading ------------------------------------------------------------------------------

  async getClaim(actor: Actor, id: string): Promise<ClaimDto> {
    const claim = await this.dataSource.manager.findOneBy(Claim, { id });
    if (!claim || !canSeeAssociation(actor, claim.associationId))
      throw new NotFoundError('Demande', id);
    const statement = await this.dataSource.manager.findOne(Statement, {
      where: { claimId: id },
      select: { id: true },
    });
    return this.claimDto(claim, statement?.id ?? null);
  }

  async listClaims(actor: Actor, q: ClaimQueryDto): Promise<Page<ClaimDto>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Claim, 'c')
      .orderBy('c.created_at', 'DESC')
      .skip(q.offset)
      .take(q.pageSize);
    const associationId = associationFilter(actor, q.associationId);
    if (associationId) query.andWhere('c.association_id = :associationId', { associationId });
    if (q.status) query.andWhere('c.status = :status', { status: q.status });
    const [rows, total] = await query.getManyAndCount();
    return {
      items: rows.map((c) => this.claimDto(c, null)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async getStatement(actor: Actor, id: string): Promise<StatementDetailDto> {
    const statement = await this.findStatement(actor, id);
    const lines = await queryRows<StatementLineRow>(
      this.dataSource.manager,
      `${LINE_ROWS_SQL} LIMIT 1000`,
      [id, 0],
    );
    return { ...this.statementDto(statement, actor), lines: lines.map(lineDto) };
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
    const [rows, total] = await query.getManyAndCount();
    return {
      items: rows.map((s) => this.statementDto(s, actor)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** The statement as CSV for French spreadsheet software, streamed 5,000 lines at a time. */
  async writeCsv(
    actor: Actor,
    id: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const s = await this.findStatement(actor, id);
    onReady(`${s.number}.csv`);
    out.write(
      CSV_BOM +
        csvLine([
          'etat',
          'ligne',
          'date_seance',
          'numero_carnet',
          'cheque',
          'activite',
          'montant_euros',
          'corrige_etat',
        ]),
    );
    for await (const rows of this.linePages(id)) {
      for (const l of rows) {
        const ok = out.write(
          csvLine([
            s.number,
            l.line_no,
            frenchDate(l.session_date),
            l.booklet_number,
            l.cheque_position,
            l.activity,
            csvAmount(Number(l.amount_cents)),
            l.corrects_statement_number,
          ]),
        );
        if (!ok) await once(out, 'drain');
      }
    }
    out.write(csvLine([s.number, 'TOTAL', '', '', '', '', csvAmount(s.totalCents), '']));
    out.end();
  }

  /** The statement's lines in order, `size` at a time (keyset paging, constant memory). */
  async *linePages(statementId: string, size = 5000): AsyncGenerator<StatementLineRow[]> {
    let after = 0;
    for (;;) {
      const rows = await queryRows<StatementLineRow>(
        this.dataSource.manager,
        `${LINE_ROWS_SQL} LIMIT ${size}`,
        [statementId, after],
      );
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].line_no;
    }
  }

  async findStatement(actor: Actor, id: string): Promise<Statement> {
    const statement = await this.dataSource.manager.findOneBy(Statement, { id });
    if (!statement || !canSeeAssociation(actor, statement.associationId))
      throw new NotFoundError('État de remboursement', id);
    return statement;
  }

  /** Per programme, to the cent: where every issued cheque's value is. */
  async reconciliation(programmeId: string): Promise<ReconciliationDto> {
    const [r] = await queryRows<Record<string, string>>(
      this.dataSource.manager,
      `WITH ch AS (
         SELECT c.id, c.status, c.face_value_cents AS v, p.expires_on FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id WHERE p.id = $1),
       rl AS (
         SELECT l.id, l.amount_cents AS v, r.status, r.claim_id, cl.status AS claim_status FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
           LEFT JOIN claim cl ON cl.id = r.claim_id WHERE l.active AND l.cheque_id IN (SELECT id FROM ch))
       SELECT
         (SELECT coalesce(sum(v), 0) FROM ch) AS issued,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'ISSUED' AND expires_on >= $2::date) AS outstanding,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'ISSUED' AND expires_on < $2::date) AS expired,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'CANCELLED') AS cancelled,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE') AS redeemed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED') AS reversed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_id IS NULL) AS unclaimed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_status IN ('DRAFT', 'SUBMITTED')) AS on_claims,
         (SELECT coalesce(sum(sl.amount_cents), 0) FROM statement_line sl WHERE sl.amount_cents > 0 AND sl.redemption_line_id IN (SELECT id FROM rl)) AS on_statements,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'REDEEMED') AS redeemed_cheques,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED'
             AND EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = rl.id AND sl.amount_cents > 0)) AS owed_back,
         (SELECT coalesce(sum(v), 0) FROM rl l WHERE l.status = 'REVERSED' AND ${PENDING_CORRECTION}) AS corrections_pending,
         (SELECT coalesce(-sum(sl.amount_cents), 0) FROM statement_line sl JOIN statement s ON s.id = sl.statement_id
           WHERE sl.amount_cents < 0 AND s.status <> 'PAID' AND sl.redemption_line_id IN (SELECT id FROM rl)) AS corrections_on_statements,
         (SELECT coalesce(-sum(sl.amount_cents), 0) FROM statement_line sl JOIN statement s ON s.id = sl.statement_id
           WHERE sl.amount_cents < 0 AND s.status = 'PAID' AND sl.redemption_line_id IN (SELECT id FROM rl)) AS corrections_settled,
         -- owed back from before the last cut-off and still on no statement: forgotten
         (SELECT count(*) FROM rl JOIN redemption_line l ON l.id = rl.id JOIN redemption r ON r.id = l.redemption_id
           WHERE rl.status = 'REVERSED' AND ${PENDING_CORRECTION}
             AND r.reversed_at < (SELECT max(at) FROM audit_event WHERE action = 'statements.cut_off')
             -- a submitted claim of the association carries it when issued
             AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.association_id = r.association_id AND c.status = 'SUBMITTED')) AS forgotten`,
      [programmeId, parisToday()],
    );
    const n = (k: string) => Number(r[k]);
    return {
      issuedCents: n('issued'),
      outstandingCents: n('outstanding'),
      redeemedCents: n('redeemed'),
      expiredCents: n('expired'),
      cancelledCents: n('cancelled'),
      unclaimedCents: n('unclaimed'),
      onClaimsCents: n('on_claims'),
      onStatementsCents: n('on_statements'),
      reversedCents: n('reversed'),
      // A reversed redemption's cheque stays consumed: it is counted apart from what is owed.
      issuedBalanced:
        n('issued') ===
          n('outstanding') + n('expired') + n('cancelled') + n('redeemed') + n('reversed') &&
        n('redeemed_cheques') === n('redeemed') + n('reversed'),
      redeemedBalanced:
        n('redeemed') === n('unclaimed') + n('on_claims') + n('on_statements') - n('reversed'),
      owedBackCents: n('owed_back'),
      correctionsPendingCents: n('corrections_pending'),
      correctionsOnStatementsCents: n('corrections_on_statements'),
      correctionsSettledCents: n('corrections_settled'),
      owedBackBalanced:
        n('owed_back') ===
          n('corrections_pending') + n('corrections_on_statements') + n('corrections_settled') &&
        n('forgotten') === 0,
    };
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** A new claim row, totals zero until its redemptions are taken. */
  private async newClaim(
    em: EntityManager,
    actor: Actor,
    associationId: string,
    upTo: string,
    status: 'DRAFT' | 'SUBMITTED',
  ): Promise<Claim> {
    const claim = em.create(Claim, {
      associationId,
      upTo,
      status,
      totalCents: 0,
      redemptionCount: 0,
      createdBy: actor.id,
      submittedAt: status === 'SUBMITTED' ? new Date() : null,
      rejectReason: null,
    });
    return em.save(claim);
  }

  private async recordClaimCreated(
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

  private async gather(
    em: EntityManager,
    actor: Actor,
    associationId: string,
    upTo: string,
    status: 'DRAFT' | 'SUBMITTED',
  ): Promise<ClaimDto> {
    await em.findOneOrFail(Association, {
      where: { id: associationId },
      lock: { mode: 'for_no_key_update' },
    });
    const candidates = await queryRows<{ id: string; total_cents: string; claim_deadline: string }>(
      em,
      `SELECT r.id, r.total_cents, min(p.claim_deadline)::text AS claim_deadline
         FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
         JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
        WHERE r.association_id = $1 AND r.status = 'ACTIVE' AND r.claim_id IS NULL AND r.session_date <= $2
        GROUP BY r.id, r.total_cents`,
      [associationId, upTo],
    );
    const today = parisToday();
    const claimable = candidates.filter((c) => c.claim_deadline >= today);
    if (claimable.length === 0) {
      if (candidates.length > 0) {
        throw new DomainError(
          'CLAIM_DEADLINE_PASSED',
          422,
          'La date limite de demande de remboursement du dispositif est passée.',
          { errors: [{ field: 'upTo', message: 'claim deadline passed' }] },
        );
      }
      throw new DomainError(
        'NOTHING_TO_CLAIM',
        422,
        "Aucun encaissement à réclamer jusqu'à cette date.",
        { errors: [{ field: 'upTo', message: 'no unclaimed redemption up to this date' }] },
      );
    }
    const claim = await this.newClaim(em, actor, associationId, upTo, status);
    const taken = await queryRows<{ total_cents: string }>(
      em,
      `UPDATE redemption SET claim_id = $1 WHERE id = ANY($2) AND claim_id IS NULL AND status = 'ACTIVE' RETURNING total_cents`,
      [claim.id, claimable.map((c) => c.id)],
    );
    if (taken.length === 0)
      throw new DomainError(
        'NOTHING_TO_CLAIM',
        422,
        "Aucun encaissement à réclamer jusqu'à cette date.",
      );
    claim.totalCents = taken.reduce((s, r) => s + Number(r.total_cents), 0);
    claim.redemptionCount = taken.length;
    await em.save(claim);
    await this.recordClaimCreated(em, actor, claim);
    return this.claimDto(claim, null);
  }

  private async lockClaim(em: EntityManager, actor: Actor, id: string): Promise<Claim> {
    const claim = await em.findOne(Claim, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!claim || !canSeeAssociation(actor, claim.associationId))
      throw new NotFoundError('Demande', id);
    return claim;
  }

  private async lockStatement(em: EntityManager, id: string): Promise<Statement> {
    const statement = await em.findOne(Statement, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!statement) throw new NotFoundError('État de remboursement', id);
    return statement;
  }

  private claimDto(c: Claim, statementId: string | null): ClaimDto {
    return {
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

  statementDto(s: Statement, actor: Actor): StatementDto {
    return {
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
      approvedAt: s.approvedAt?.toISOString() ?? null,
      paidOn: s.paidOn,
      paymentReference: s.paymentReference,
    };
  }
}

export interface StatementLineRow {
  line_no: number;
  session_date: string;
  activity: string;
  booklet_number: string;
  cheque_position: number;
  amount_cents: string;
  corrects_statement_number: string | null;
}

const LINE_ROWS_SQL = `SELECT line_no, session_date::text, activity, booklet_number, cheque_position, amount_cents, corrects_statement_number
  FROM statement_line WHERE statement_id = $1 AND line_no > $2 ORDER BY line_no`;

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
