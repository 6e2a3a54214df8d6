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
import { Association } from '../associations/association.entity';
import { bigintCents } from '../common/money';
import { RedemptionLine } from '../redemptions/redemption.entity';
import { User } from '../users/user.entity';
import { Claim } from './claim.entity';

/**
 * ISSUED → APPROVED (by another person) → IN_BATCH (in a payment batch) → SENT (the batch went to
 * the finance department) → PAID (the accountant's payment, read back or recorded by hand). A
 * statement paid outside any batch (a régie) goes APPROVED → PAID.
 */
export const STATEMENT_STATUSES = ['ISSUED', 'APPROVED', 'IN_BATCH', 'SENT', 'PAID'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

/** Approved, whatever happened since: the statuses that carry an approval. */
export const APPROVED_STATUSES = ['APPROVED', 'IN_BATCH', 'SENT', 'PAID'] as const;

/**
 * Where a statement's money is charged in the département's budget, frozen at issue: one entry per
 * programme whose cheques it reimburses, with that programme's budget imputation and legal basis
 * as they were then (null where the programme had none set).
 */
export interface StatementImputation {
  programmeId: string;
  programmeName: string;
  chapter: string | null;
  article: string | null;
  function: string | null;
  service: string | null;
  legalBasis: string | null;
  legalBasisDate: string | null;
  amountCents: number;
}

/**
 * An état de remboursement: numbered without gaps per year, frozen at issue (a trigger refuses any
 * change but the approval and payment steps), with a snapshot of the association's identity and
 * bank details and the SHA-256 of its canonical content.
 */
@Entity('statement')
@Unique('uq_statement_number', ['number'])
@Unique('uq_statement_year_seq', ['year', 'seq'])
@Unique('uq_statement_claim', ['claimId'])
@Index('ix_statement_association', ['associationId'])
/** A payment order (mandat) pays one statement: its reference is never recorded twice. */
@Index('uq_statement_payment_reference', ['paymentReference'], {
  unique: true,
  where: 'payment_reference IS NOT NULL',
})
/** A mandate (mandat) number of the finance software pays one statement. */
@Index('uq_statement_mandate_number', ['mandateNumber'], {
  unique: true,
  where: 'mandate_number IS NOT NULL',
})
@Check('ck_statement_status', `status IN ('ISSUED', 'APPROVED', 'IN_BATCH', 'SENT', 'PAID')`)
@Check('ck_statement_four_eyes', 'approved_by IS NULL OR approved_by <> issued_by')
@Check(
  'ck_statement_approval',
  `(status IN ('APPROVED', 'IN_BATCH', 'SENT', 'PAID')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND approver_name IS NOT NULL)`,
)
@Check(
  'ck_statement_payment',
  `(status = 'PAID') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL)`,
)
@Check('ck_statement_mandate', `mandate_number IS NULL OR status = 'PAID'`)
export class Statement {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_statement' })
  id!: string;

  /** ER-2026-00042 */
  @Column({ type: 'varchar', length: 20 })
  number!: string;

  @Column({ type: 'integer' })
  year!: number;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'uuid' })
  claimId!: string;

  @ManyToOne(() => Claim, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id', foreignKeyConstraintName: 'fk_statement_claim' })
  claim?: Claim;

  @Column({ type: 'uuid' })
  associationId!: string;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_statement_association' })
  association?: Association;

  @Column({ type: 'varchar', length: 200 })
  associationName!: string;

  @Column({ type: 'char', length: 14 })
  associationSiret!: string;

  @Column({ type: 'varchar', length: 420 })
  associationAddress!: string;

  @Column({ type: 'varchar', length: 34 })
  associationIban!: string;

  @Column({ type: 'varchar', length: 11, nullable: true })
  associationBic!: string | null;

  @Column({ type: 'date', nullable: true })
  periodFrom!: string | null;

  @Column({ type: 'date', nullable: true })
  periodTo!: string | null;

  /** Budget imputation and legal basis per programme, frozen at issue (printed, in mandates). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  imputations!: StatementImputation[];

  /** Sum of the lines (negative lines are corrections); checked by a deferred trigger at commit. */
  @Column({ type: 'bigint', transformer: bigintCents })
  totalCents!: number;

  @Column({ type: 'integer' })
  lineCount!: number;

  @Column({ type: 'char', length: 64 })
  contentHash!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: StatementStatus;

  @Column({ type: 'uuid' })
  issuedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'issued_by', foreignKeyConstraintName: 'fk_statement_issued_by' })
  issuer?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  issuedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  approvedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'approved_by', foreignKeyConstraintName: 'fk_statement_approved_by' })
  approver?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  /** The approver's name and function as certified on the statement, frozen at approval. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  approverName!: string | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  approverTitle!: string | null;

  @Column({ type: 'date', nullable: true })
  paidOn!: string | null;

  @Column({ type: 'varchar', length: 50, nullable: true })
  paymentReference!: string | null;

  /** The finance software's mandate number, when the payment was read back from it. */
  @Column({ type: 'varchar', length: 50, nullable: true })
  mandateNumber!: string | null;

  @Column({ type: 'uuid', nullable: true })
  paidBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'paid_by', foreignKeyConstraintName: 'fk_statement_paid_by' })
  payer?: User | null;
}

/**
 * One cheque on a statement, its printed facts copied at issue. Positive: a redemption line
 * reimbursed (at most once: partial unique index); negative: the correction of a reversal, naming
 * the statement it corrects (at most once too).
 */
@Entity('statement_line')
@Unique('uq_statement_line_no', ['statementId', 'lineNo'])
@Index('uq_statement_line_positive', ['redemptionLineId'], {
  unique: true,
  where: 'amount_cents > 0',
})
@Index('uq_statement_line_correction', ['redemptionLineId'], {
  unique: true,
  where: 'amount_cents < 0',
})
@Check('ck_statement_line_amount', 'amount_cents <> 0')
@Check(
  'ck_statement_line_correction',
  '(amount_cents < 0) = (corrects_statement_number IS NOT NULL)',
)
export class StatementLine {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_statement_line' })
  id!: string;

  @Column({ type: 'uuid' })
  statementId!: string;

  @ManyToOne(() => Statement, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'statement_id', foreignKeyConstraintName: 'fk_statement_line_statement' })
  statement?: Statement;

  @Column({ type: 'integer' })
  lineNo!: number;

  @Column({ type: 'uuid' })
  redemptionLineId!: string;

  @ManyToOne(() => RedemptionLine, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'redemption_line_id',
    foreignKeyConstraintName: 'fk_statement_line_redemption_line',
  })
  redemptionLine?: RedemptionLine;

  @Column({ type: 'date' })
  sessionDate!: string;

  @Column({ type: 'varchar', length: 120 })
  activity!: string;

  @Column({ type: 'varchar', length: 20 })
  bookletNumber!: string;

  @Column({ type: 'integer' })
  chequePosition!: number;

  @Column({ type: 'bigint', transformer: bigintCents })
  amountCents!: number;

  @Column({ type: 'varchar', length: 20, nullable: true })
  correctsStatementNumber!: string | null;
}

/** The last statement number handed out per year, under this row's lock (gapless). */
@Entity('statement_counter')
export class StatementCounter {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_statement_counter' })
  year!: number;

  @Column({ type: 'integer' })
  lastSeq!: number;
}
