import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { frenchDate, parisToday, parisYear, shiftDay } from '../common/dates';
import { invalidTransition, NotFoundError } from '../common/errors/common.errors';
import { DomainError } from '../common/errors/domain-error';
import { formatEuros } from '../common/money';
import { Page, pageOf } from '../common/pagination';
import { AppConfig } from '../config/app-config';
import { ADVISORY_LOCKS } from '../database/advisory-locks';
import { StatementDocumentsService } from '../statements/statement-documents.service';
import type { StatementStatus } from '../statements/statement.entity';
import { StatementsService } from '../statements/statements.service';
import { assertTwoPeople } from '../users/four-eyes';
import {
  PaymentBatchAction,
  PaymentBatchDetailDto,
  PaymentBatchDto,
  PaymentBatchQueryDto,
  PaymentBatchStatementDto,
  PaymentResultLineDto,
  PaymentResultsDto,
} from './dto/payment-batch.dto';
import { MandateColumn, PaymentBatch } from './payment-batch.entity';
import { documentsZip } from './documents-zip';
import {
  mandatesCsv,
  mandateSplitRefusal,
  parseMandateColumns,
  statementPdfName,
} from './mandates';
import { parseResults } from './payment-results';
import { painCreditTransfer } from './sepa';
import { PAYMENT_BATCH_ERRORS } from './payment-batch.errors';
import * as queries from './payment-batch.queries';
import type { BatchRow } from './payment-batch.queries';

export type PaymentFileFormat = 'csv' | 'xml' | 'mandates';

const FILE_HASH = {
  csv: 'csvSha256',
  xml: 'xmlSha256',
  mandates: 'mandatesSha256',
} as const satisfies Record<PaymentFileFormat, keyof PaymentBatch>;

/**
 * Payment batches (bordereaux de paiement): what the public accountant receives to pay approved
 * statements, recorded so that no statement is ever in two files, approved by a second person,
 * and whose files are the same bytes at every download.
 */
@Injectable()
export class PaymentBatchesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly statements: StatementsService,
    private readonly documents: StatementDocumentsService,
  ) {
    this.mandateColumns = parseMandateColumns(config.get('MANDATE_CSV_COLUMNS'));
  }

  /** The mandates file's columns as configured now (a batch keeps those of its approval). */
  private readonly mandateColumns: MandateColumn[];

  async prepare(actor: Actor, statementIds?: string[]): Promise<PaymentBatchDetailDto> {
    const payerIban = this.config.get('PAYER_IBAN');
    if (!payerIban) throw PAYMENT_BATCH_ERRORS.error('PAYER_NOT_CONFIGURED');
    return this.dataSource.transaction(async (em) => {
      // One preparation at a time: what is "in no batch" stays true until this one commits.
      await em.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.paymentBatch]);
      const wanted = statementIds ? [...new Set(statementIds)] : null;
      const payable = await queries.lockPayableStatements(em, wanted);
      if (wanted && payable.length < wanted.length) {
        const found = new Set(payable.map((s) => s.id));
        const refused = wanted.filter((id) => !found.has(id));
        throw PAYMENT_BATCH_ERRORS.error(
          'STATEMENT_NOT_PAYABLE',
          {
            count:
              refused.length === 1
                ? "Un état demandé n'est pas"
                : `${refused.length} états demandés ne sont pas`,
          },
          {
            errors: refused.map((id) => ({
              field: 'statementIds',
              message: `statement ${id} is not payable`,
            })),
          },
        );
      }
      if (payable.length === 0) throw PAYMENT_BATCH_ERRORS.error('NOTHING_TO_PAY');
      const unsplittable = payable
        .map((st) => ({ st, why: mandateSplitRefusal(st.imputations, Number(st.total_cents)) }))
        .filter((x) => x.why !== null);
      if (unsplittable.length > 0)
        throw PAYMENT_BATCH_ERRORS.error(
          'STATEMENT_NOT_MANDATABLE',
          { numbers: unsplittable.map((x) => x.st.number).join(', ') },
          {
            errors: unsplittable.map((x) => ({
              field: 'statementIds',
              message: `statement ${x.st.number}: ${x.why}`,
            })),
          },
        );
      const year = parisYear();
      const seq = await queries.nextBatchSeq(em, year);
      const total = payable.reduce((sum, s) => sum + BigInt(s.total_cents), 0n);
      const batch = em.create(PaymentBatch, {
        number: `BP-${year}-${String(seq).padStart(4, '0')}`,
        year,
        seq,
        status: 'PREPARED',
        transferCount: payable.length,
        totalCents: Number(total),
        payerName: this.config.get('PAYER_NAME'),
        payerIban,
        payerBic: this.config.get('PAYER_BIC') ?? null,
        preparedBy: actor.id,
        approvedBy: null,
        approvedAt: null,
        executionDate: null,
        csvSha256: null,
        xmlSha256: null,
        cancelledBy: null,
        cancelledAt: null,
        cancelReason: null,
      });
      await em.save(batch);
      await queries.insertBatchLines(
        em,
        batch.id,
        payable.map((s) => s.id),
      );
      await this.statements.moveWithBatch(
        em,
        payable.map((s) => s.id),
        'TAKEN',
      );
      await this.audit.record(em, actor, {
        action: 'payment_batch.prepared',
        entityType: 'payment_batch',
        entityId: batch.id,
        after: {
          number: batch.number,
          status: 'PREPARED',
          totalCents: batch.totalCents,
          statements: payable.map((s) => s.number),
        },
      });
      return this.detail(em, actor, batch);
    });
  }

  async approve(actor: Actor, id: string): Promise<PaymentBatchDetailDto> {
    return this.dataSource.transaction(async (em) => {
      const batch = await this.lock(em, id);
      const refuse = (from: string) =>
        invalidTransition(`Le bordereau ${batch.number}`, from, 'approuver');
      if (batch.status !== 'PREPARED') throw refuse(batch.status);
      await assertTwoPeople(em, batch.preparedBy, actor.id, `Le bordereau ${batch.number}`);
      const now = new Date();
      const approval = {
        approvedBy: actor.id,
        // whole seconds: the file's creation time is written to the second
        approvedAt: new Date(Math.floor(now.getTime() / 1000) * 1000),
        executionDate: shiftDay(parisToday(now), 1),
      };
      // The files as approved, fingerprinted: what the accountant receives is these bytes.
      const rows = await this.rows(em, id);
      const approved = Object.assign(new PaymentBatch(), batch, approval, { status: 'APPROVED' });
      await this.audit.changeState(em, actor, batch, {
        action: 'payment_batch.approved',
        entityType: 'payment_batch',
        from: ['PREPARED'],
        to: 'APPROVED',
        refuse,
        set: {
          ...approval,
          csvSha256: sha256(paymentCsv(approved, rows)),
          xmlSha256: sha256(paymentXml(approved, rows)),
          mandateColumns: this.mandateColumns,
          mandatesSha256: sha256(mandatesCsv(approved, rows, this.mandateColumns)),
        },
        after: { executionDate: approval.executionDate },
      });
      return this.detail(em, actor, batch, rows);
    });
  }

  /**
   * The approved batch was handed to the finance department (its mandates file and documents
   * imported in the finance software): its statements are SENT, waiting for the accountant's
   * payment, read back by `applyResults` or recorded one by one.
   */
  async markSent(actor: Actor, id: string): Promise<PaymentBatchDetailDto> {
    return this.dataSource.transaction(async (em) => {
      const batch = await this.lock(em, id);
      const rows = await this.rows(em, id);
      await this.statements.lockAll(
        em,
        rows.map((r) => r.statement_id),
      );
      await this.audit.changeState(em, actor, batch, {
        action: 'payment_batch.sent',
        entityType: 'payment_batch',
        from: ['APPROVED'],
        to: 'SENT',
        refuse: (from) =>
          invalidTransition(`Le bordereau ${batch.number}`, from, 'marquer envoyé aux finances'),
        set: { sentBy: actor.id, sentAt: new Date() },
        thenWrite: () =>
          this.statements.moveWithBatch(
            em,
            rows.map((r) => r.statement_id),
            'SENT',
          ),
        after: { statements: rows.map((r) => r.number) },
      });
      return this.detail(em, actor, batch);
    });
  }

  /** A batch not yet approved is withdrawn: its statements may go into another one. */
  async cancel(actor: Actor, id: string, reason: string): Promise<PaymentBatchDetailDto> {
    return this.dataSource.transaction(async (em) => {
      const batch = await this.lock(em, id);
      await this.audit.changeState(em, actor, batch, {
        action: 'payment_batch.cancelled',
        entityType: 'payment_batch',
        from: ['PREPARED'],
        to: 'CANCELLED',
        refuse: (from) => invalidTransition(`Le bordereau ${batch.number}`, from, 'annuler'),
        set: { cancelledBy: actor.id, cancelledAt: new Date(), cancelReason: reason },
        // its statements are free for another batch (allowed once the batch is CANCELLED)
        thenWrite: async () => {
          const rows = await this.rows(em, id);
          await queries.releaseBatchLines(em, id);
          await this.statements.moveWithBatch(
            em,
            rows.map((r) => r.statement_id),
            'RELEASED',
          );
        },
        after: { reason },
      });
      return this.detail(em, actor, batch);
    });
  }

  async list(actor: Actor, q: PaymentBatchQueryDto): Promise<Page<PaymentBatchDto>> {
    const result = await this.dataSource.getRepository(PaymentBatch).findAndCount({
      where: { status: q.status },
      order: { year: 'DESC', seq: 'DESC' },
      skip: q.offset,
      take: q.pageSize,
    });
    const paid = await queries.paidCounts(
      this.dataSource.manager,
      result[0].map((b) => b.id),
    );
    return pageOf(q, result, (b) => this.dto(b, actor, paid.get(b.id) ?? 0));
  }

  async get(actor: Actor, id: string): Promise<PaymentBatchDetailDto> {
    const batch = await this.dataSource.manager.findOneBy(PaymentBatch, { id });
    if (!batch) throw new NotFoundError('Bordereau', id);
    return this.detail(this.dataSource.manager, actor, batch);
  }

  /**
   * A file of an approved batch: the transfers CSV and SEPA XML (for a régie or the accountant),
   * or the mandates file for the finance software. Everything in it is frozen (the statements'
   * snapshots, the batch's number, approval time, execution date, payer account and mandate
   * columns), so every download is the same bytes, checked against the SHA-256 taken at approval;
   * each download is recorded with it.
   */
  async file(
    actor: Actor,
    id: string,
    format: PaymentFileFormat,
  ): Promise<{ fileName: string; content: string }> {
    const batch = await this.approvedBatch(id);
    const rows = await this.rows(this.dataSource.manager, id);
    let content: string;
    if (format === 'mandates') content = await this.mandatesFile(batch, rows);
    else content = format === 'csv' ? paymentCsv(batch, rows) : paymentXml(batch, rows);
    const hash = sha256(content);
    if (hash !== batch[FILE_HASH[format]])
      // a later version of the service would write the file differently: refuse, never send
      // other bytes than the ones approved
      throw PAYMENT_BATCH_ERRORS.error('PAYMENT_FILE_CHANGED', { number: batch.number });
    await this.audit.recordAlone(actor, {
      action: 'payment_batch.downloaded',
      entityType: 'payment_batch',
      entityId: id,
      after: { format, sha256: hash },
    });
    const fileName =
      format === 'mandates' ? `${batch.number}-mandats.csv` : `${batch.number}.${format}`;
    return { fileName, content };
  }

  /**
   * The batch's supporting documents for the finance software: each statement's PDF as kept at
   * its approval, named as in the mandates file, and the mandates file, in one zip that is the
   * same bytes at every download (fingerprinted at the first, checked at the next ones).
   */
  async documentsZip(actor: Actor, id: string): Promise<{ fileName: string; content: Buffer }> {
    const batch = await this.approvedBatch(id);
    const em = this.dataSource.manager;
    const rows = await this.rows(em, id);
    const statements = await this.statements.byIds(
      em,
      rows.map((r) => r.statement_id),
    );
    const pdfs = await this.documents.approvedMany(statements);
    const mandates = await this.mandatesFile(batch, rows);
    if (sha256(mandates) !== batch.mandatesSha256)
      throw PAYMENT_BATCH_ERRORS.error('PAYMENT_FILE_CHANGED', { number: batch.number });
    const content = await documentsZip(
      [
        ...statements.map((s, i) => ({
          name: statementPdfName(s.number),
          content: pdfs[i].content,
        })),
        { name: `${batch.number}-mandats.csv`, content: Buffer.from(mandates, 'utf8') },
      ],
      batch.approvedAt!,
    );
    const hash = sha256(content);
    const sealed = batch.documentsSha256 ?? (await queries.sealDocuments(em, id, hash));
    if (hash !== sealed)
      throw PAYMENT_BATCH_ERRORS.error('PAYMENT_FILE_CHANGED', { number: batch.number });
    await this.audit.recordAlone(actor, {
      action: 'payment_batch.downloaded',
      entityType: 'payment_batch',
      entityId: id,
      after: { format: 'documents', sha256: hash },
    });
    return { fileName: `${batch.number}-pieces.zip`, content };
  }

  /**
   * Reads back the payment results file of the finance software for a sent batch: each line names
   * a statement of the batch (by its number, or by a mandate number already recorded), with the
   * amount paid, the date and the mandate/payment reference. All or nothing, in one transaction:
   * a line that does not match (another statement, another amount, a date before approval, a
   * reference already used…) refuses the whole file with every reason; a statement already paid
   * the same way is left unchanged, so importing a file twice changes nothing the second time.
   * `dryRun` checks and shows the outcome, recording nothing (the page's preview).
   */
  async applyResults(
    actor: Actor,
    id: string,
    text: string,
    dryRun: boolean,
  ): Promise<PaymentResultsDto> {
    const parsed = parseResults(text);
    const whole = parsed.problems.find((p) => p.line <= 1);
    if (whole)
      throw PAYMENT_BATCH_ERRORS.error('PAYMENT_RESULTS_UNREADABLE', { reason: whole.message });
    const fileSha256 = sha256(text);
    const outcome = await this.dataSource
      .transaction(async (em) => {
        const batch = await this.lock(em, id);
        if (batch.status !== 'SENT')
          throw PAYMENT_BATCH_ERRORS.error(
            'BATCH_NOT_SENT',
            { number: batch.number },
            { currentStatus: batch.status },
          );
        const rows = await this.rows(em, id);
        const statements = await this.statements.lockAll(
          em,
          rows.map((r) => r.statement_id),
        );
        const byNumber = new Map(statements.map((st) => [st.number, st]));
        const amount = new Map(rows.map((r) => [r.statement_id, Number(r.amount_cents)]));
        const problems = new Map<number, string[]>();
        for (const p of parsed.problems)
          problems.set(p.line, [...(problems.get(p.line) ?? []), p.message]);
        const seen = new Set<string>();
        const lines: PaymentResultLineDto[] = [];
        for (const l of parsed.lines) {
          const line: PaymentResultLineDto = { ...l, outcome: 'REFUSED', reason: null };
          lines.push(line);
          const refuse = (reason: string) => (line.reason = reason);
          if (problems.has(l.line)) {
            refuse(problems.get(l.line)!.join(' ; '));
            continue;
          }
          const st = byNumber.get(l.statementNumber!);
          if (!st) {
            refuse(`l'état ${l.statementNumber} n'est pas dans le bordereau ${batch.number}`);
            continue;
          }
          line.statementNumber = st.number;
          if (seen.has(st.id)) {
            refuse(`l'état ${st.number} figure plusieurs fois dans le fichier`);
            continue;
          }
          seen.add(st.id);
          const expected = amount.get(st.id)!;
          if (l.amountCents !== expected) {
            refuse(
              `montant de ${formatEuros(l.amountCents!)} au lieu de ${formatEuros(expected)} pour l'état ${st.number}`,
            );
            continue;
          }
          const payment = {
            paidOn: l.paidOn!,
            paymentReference: l.paymentReference!,
            mandateNumber: l.mandateNumber,
          };
          if (st.status === 'PAID') {
            const same =
              st.paidOn === payment.paidOn &&
              st.paymentReference === payment.paymentReference &&
              (payment.mandateNumber === null || st.mandateNumber === payment.mandateNumber);
            if (same) line.outcome = 'UNCHANGED';
            else
              refuse(
                `l'état ${st.number} est déjà payé, le ${frenchDate(st.paidOn!)} (référence ${st.paymentReference})`,
              );
            continue;
          }
          // the one rule for every payment; a refusal is this line's reason, the file goes on
          await em.query('SAVEPOINT result_line');
          try {
            await this.statements.recordPayment(em, actor, st, payment, 'results');
            await em.query('RELEASE SAVEPOINT result_line');
            line.outcome = 'PAID';
          } catch (err) {
            await em.query('ROLLBACK TO SAVEPOINT result_line');
            if (!(err instanceof DomainError)) throw err;
            refuse(err.detail);
          }
        }
        const refused = lines.filter((l) => l.outcome === 'REFUSED');
        const result: PaymentResultsDto = {
          batchNumber: batch.number,
          fileSha256,
          applied: !dryRun,
          paidCount: lines.filter((l) => l.outcome === 'PAID').length,
          unchangedCount: lines.filter((l) => l.outcome === 'UNCHANGED').length,
          lines,
        };
        if (refused.length > 0)
          throw PAYMENT_BATCH_ERRORS.error(
            'PAYMENT_RESULTS_REFUSED',
            { count: refused.length === 1 ? 'Une ligne' : `${refused.length} lignes` },
            {
              errors: refused.map((l) => ({ field: `line ${l.line}`, message: l.reason! })),
              lines,
            },
          );
        // a preview: every check made, the deferred ones too, then nothing kept
        if (dryRun) {
          await em.query('SET CONSTRAINTS ALL IMMEDIATE');
          throw new Preview({ ...result, applied: false });
        }
        if (result.paidCount > 0)
          await this.audit.record(em, actor, {
            action: 'payment_batch.results_imported',
            entityType: 'payment_batch',
            entityId: id,
            after: {
              fileSha256,
              paid: lines.filter((l) => l.outcome === 'PAID').map((l) => l.statementNumber),
              unchanged: result.unchangedCount,
            },
          });
        return result;
      })
      .catch((err: unknown) => {
        if (err instanceof Preview) return err.result;
        throw err;
      });
    return outcome;
  }

  private async approvedBatch(id: string): Promise<PaymentBatch> {
    const batch = await this.dataSource.manager.findOneBy(PaymentBatch, { id });
    if (!batch) throw new NotFoundError('Bordereau', id);
    if (batch.status !== 'APPROVED' && batch.status !== 'SENT')
      throw PAYMENT_BATCH_ERRORS.error(
        'BATCH_NOT_APPROVED',
        { number: batch.number },
        { currentStatus: batch.status },
      );
    return batch;
  }

  /**
   * The batch's mandates file with the columns frozen on it; a batch approved before mandates
   * existed has its columns and fingerprint taken now, once. The caller checks the fingerprint.
   */
  private async mandatesFile(batch: PaymentBatch, rows: BatchRow[]): Promise<string> {
    const content = mandatesCsv(batch, rows, batch.mandateColumns ?? this.mandateColumns);
    if (!batch.mandatesSha256) await this.sealMandates(batch, content);
    return content;
  }

  /** Seals the mandates file once; the batch then holds what is kept (another instance's, if first). */
  private async sealMandates(batch: PaymentBatch, content: string): Promise<void> {
    const kept = await queries.sealMandates(
      this.dataSource.manager,
      batch.id,
      this.mandateColumns,
      sha256(content),
    );
    batch.mandateColumns = kept.columns;
    batch.mandatesSha256 = kept.sha256;
  }

  private async lock(em: EntityManager, id: string): Promise<PaymentBatch> {
    const batch = await em.findOne(PaymentBatch, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!batch) throw new NotFoundError('Bordereau', id);
    return batch;
  }

  private rows(em: EntityManager, batchId: string): Promise<BatchRow[]> {
    return queries.batchRows(em, batchId);
  }

  private async detail(
    em: EntityManager,
    actor: Actor,
    batch: PaymentBatch,
    rows?: BatchRow[],
  ): Promise<PaymentBatchDetailDto> {
    const statements: PaymentBatchStatementDto[] = (rows ?? (await this.rows(em, batch.id))).map(
      (r) => ({
        statementId: r.statement_id,
        number: r.number,
        status: r.status as StatementStatus,
        associationName: r.association_name,
        amountCents: Number(r.amount_cents),
        paidOn: r.paid_on,
        mandateNumber: r.mandate_number,
        paymentReference: r.payment_reference,
        bankDetailsRecentlyChanged: r.bank_details_recently_changed,
      }),
    );
    const paid = statements.filter((st) => st.status === 'PAID').length;
    return { ...this.dto(batch, actor, paid), statements };
  }

  private dto(b: PaymentBatch, actor: Actor, paidCount: number): PaymentBatchDto {
    return {
      actions: batchActions(b, actor),
      id: b.id,
      number: b.number,
      status: b.status,
      transferCount: b.transferCount,
      totalCents: b.totalCents,
      preparedBy: b.preparedBy,
      preparedAt: b.preparedAt.toISOString(),
      approvedBy: b.approvedBy,
      approvedAt: b.approvedAt?.toISOString() ?? null,
      executionDate: b.executionDate,
      cancelReason: b.cancelReason,
      sentAt: b.sentAt?.toISOString() ?? null,
      paidCount,
    };
  }
}

/**
 * What the caller (an administrator: the routes say so) may do with a batch now: approve it if
 * another person prepared it (the four-eyes check is made again on approval), withdraw it while
 * prepared, download its files once approved.
 */
function batchActions(b: PaymentBatch, actor: Actor): PaymentBatchAction[] {
  if (b.status === 'PREPARED')
    return b.preparedBy === actor.id ? ['CANCEL'] : ['APPROVE', 'CANCEL'];
  if (b.status === 'APPROVED') return ['DOWNLOAD', 'MARK_SENT'];
  return b.status === 'SENT' ? ['DOWNLOAD', 'IMPORT_RESULTS'] : [];
}

/** Thrown out of a dry run's transaction so that it rolls back, carrying what it would do. */
class Preview extends Error {
  constructor(readonly result: PaymentResultsDto) {
    super('dry run: rolled back');
  }
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function paymentCsv(batch: PaymentBatch, rows: BatchRow[]): string {
  return (
    CSV_BOM +
    csvLine(['bordereau', 'etat', 'structure', 'siret', 'iban', 'bic', 'montant_euros']) +
    rows
      .map((r) =>
        csvLine([
          batch.number,
          r.number,
          r.association_name,
          r.association_siret,
          r.association_iban,
          r.association_bic,
          csvAmount(Number(r.amount_cents)),
        ]),
      )
      .join('')
  );
}

function paymentXml(batch: PaymentBatch, rows: BatchRow[]): string {
  return painCreditTransfer(
    batch.number,
    batch.approvedAt!,
    batch.executionDate!,
    { name: batch.payerName, iban: batch.payerIban, bic: batch.payerBic },
    rows.map((r) => ({
      endToEndId: r.number,
      amountCents: Number(r.amount_cents),
      creditorName: r.association_name,
      creditorIban: r.association_iban,
      creditorBic: r.association_bic,
      remittance: `Pass numerique - etat de remboursement ${r.number}`,
    })),
  );
}
