import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { bigintCents } from '../common/money';
import { Statement } from '../statements/statement.entity';
import { User } from '../users/user.entity';

/** One column of the mandates file: its header and the field it carries (see mandates.ts). */
export interface MandateColumn {
  header: string;
  field: string;
}

/** PREPARED → APPROVED (another person) → SENT (to the finance department); PREPARED → CANCELLED. */
export const PAYMENT_BATCH_STATUSES = ['PREPARED', 'APPROVED', 'SENT', 'CANCELLED'] as const;
export type PaymentBatchStatus = (typeof PAYMENT_BATCH_STATUSES)[number];

/**
 * A bordereau: the approved statements with a positive total that one payment file (CSV and
 * SEPA XML) carries to the public accountant. Prepared by one administrator, approved by another
 * person; its files exist once approved and are rebuilt byte for byte from what is frozen here
 * (number = message id, approval time = creation time, execution date, the payer's account).
 * A statement is in at most one batch that is not cancelled (partial unique index on its lines).
 */
@Entity('payment_batch')
@Unique('uq_payment_batch_number', ['number'])
@Unique('uq_payment_batch_year_seq', ['year', 'seq'])
@Check('ck_payment_batch_status', `status IN ('PREPARED', 'APPROVED', 'SENT', 'CANCELLED')`)
@Check('ck_payment_batch_four_eyes', 'approved_by IS NULL OR approved_by <> prepared_by')
@Check('ck_payment_batch_total', 'total_cents > 0 AND transfer_count > 0')
@Check(
  'ck_payment_batch_approval',
  `(status IN ('APPROVED', 'SENT')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND execution_date IS NOT NULL)`,
)
@Check(
  'ck_payment_batch_file_hashes',
  `(status IN ('APPROVED', 'SENT')) = (csv_sha256 IS NOT NULL AND xml_sha256 IS NOT NULL AND mandates_sha256 IS NOT NULL AND mandate_columns IS NOT NULL)`,
)
@Check('ck_payment_batch_sent', `(status = 'SENT') = (sent_by IS NOT NULL AND sent_at IS NOT NULL)`)
@Check(
  'ck_payment_batch_cancel',
  `(status = 'CANCELLED') = (cancelled_by IS NOT NULL AND cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)`,
)
export class PaymentBatch {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_payment_batch' })
  id!: string;

  /** BP-2026-0007: also the SEPA message id */
  @Column({ type: 'varchar', length: 20 })
  number!: string;

  @Column({ type: 'integer' })
  year!: number;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 20 })
  status!: PaymentBatchStatus;

  @Column({ type: 'integer' })
  transferCount!: number;

  @Column({ type: 'bigint', transformer: bigintCents })
  totalCents!: number;

  /** The département's account when the batch was prepared (a later setting changes nothing). */
  @Column({ type: 'varchar', length: 140 })
  payerName!: string;

  @Column({ type: 'varchar', length: 34 })
  payerIban!: string;

  @Column({ type: 'varchar', length: 11, nullable: true })
  payerBic!: string | null;

  @Column({ type: 'uuid' })
  preparedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'prepared_by', foreignKeyConstraintName: 'fk_payment_batch_prepared_by' })
  preparer?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  preparedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  approvedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'approved_by', foreignKeyConstraintName: 'fk_payment_batch_approved_by' })
  approver?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  /** Requested execution date of the transfers: the Paris day after approval. */
  @Column({ type: 'date', nullable: true })
  executionDate!: string | null;

  /** SHA-256 of the CSV and of the XML as approved: every later download must give these bytes. */
  @Column({ type: 'char', length: 64, nullable: true })
  csvSha256!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  xmlSha256!: string | null;

  /** The mandates file's columns as configured at approval (later settings change nothing). */
  @Column({ type: 'jsonb', nullable: true })
  mandateColumns!: MandateColumn[] | null;

  @Column({ type: 'char', length: 64, nullable: true })
  mandatesSha256!: string | null;

  /** SHA-256 of the supporting documents' zip, set at its first download, checked at the next. */
  @Column({ type: 'char', length: 64, nullable: true })
  documentsSha256!: string | null;

  @Column({ type: 'uuid', nullable: true })
  sentBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sent_by', foreignKeyConstraintName: 'fk_payment_batch_sent_by' })
  sender?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  cancelledBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'cancelled_by', foreignKeyConstraintName: 'fk_payment_batch_cancelled_by' })
  canceller?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  cancelReason!: string | null;
}

/**
 * One statement in a batch, with the amount transferred (its total, positive). `released` is set
 * when the batch is cancelled, and only then: the statement may go into another batch.
 */
@Entity('payment_batch_statement')
@Index('uq_payment_batch_statement_once', ['statementId'], {
  unique: true,
  where: 'NOT released',
})
@Check('ck_payment_batch_statement_amount', 'amount_cents > 0')
export class PaymentBatchStatement {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_payment_batch_statement' })
  batchId!: string;

  @ManyToOne(() => PaymentBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_payment_batch_statement_batch' })
  batch?: PaymentBatch;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_payment_batch_statement' })
  statementId!: string;

  @ManyToOne(() => Statement, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'statement_id',
    foreignKeyConstraintName: 'fk_payment_batch_statement_statement',
  })
  statement?: Statement;

  @Column({ type: 'bigint', transformer: bigintCents })
  amountCents!: number;

  @Column({ type: 'boolean', default: false })
  released!: boolean;
}

/** The last batch number handed out per year, under this row's lock. */
@Entity('payment_batch_counter')
export class PaymentBatchCounter {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_payment_batch_counter' })
  year!: number;

  @Column({ type: 'integer' })
  lastSeq!: number;
}
