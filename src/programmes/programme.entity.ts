import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintCents } from '../common/money';
import { User } from '../users/user.entity';

/** A dispositif: its budget, the face value of its cheques and the dates they are valid. */
@Entity('programme')
@Check('ck_programme_face_value', 'face_value_cents > 0')
@Check('ck_programme_cheques_per_booklet', 'cheques_per_booklet BETWEEN 1 AND 50')
@Check('ck_programme_dates', 'valid_from <= expires_on AND expires_on <= claim_deadline')
@Check('ck_programme_budget', 'budget_cents >= 0 AND committed_cents >= 0')
@Check('ck_programme_committed_within_budget', 'committed_cents <= budget_cents')
@Check(
  'ck_programme_closing',
  '(closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (closing_report IS NULL)',
)
@Check(
  'ck_programme_departement_code',
  `departement_code ~ '^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$'`,
)
export class Programme {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_programme' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 3 })
  departementCode!: string;

  @Column({ type: 'varchar', length: 100 })
  departementName!: string;

  @Column({ type: 'bigint', transformer: bigintCents })
  faceValueCents!: number;

  @Column({ type: 'integer' })
  chequesPerBooklet!: number;

  @Column({ type: 'date' })
  validFrom!: string;

  /** Last day (Europe/Paris) a cheque can be redeemed. */
  @Column({ type: 'date' })
  expiresOn!: string;

  /** Last day associations can claim reimbursement. */
  @Column({ type: 'date' })
  claimDeadline!: string;

  @Column({ type: 'bigint', transformer: bigintCents })
  budgetCents!: number;

  /**
   * Face value of issued cheques minus cheques cancelled unused. Kept by issuance and cancellation
   * in their transactions, under the programme's row lock; the database refuses it above budget.
   */
  @Column({ type: 'bigint', default: 0, transformer: bigintCents })
  committedCents!: number;

  @Column({ type: 'jsonb' })
  activities!: string[];

  @Column({ type: 'boolean', default: false })
  allowBeneficiaryNames!: boolean;

  /** Budget imputation of the reimbursements (M57: chapitre, article/nature, fonction). */
  @Column({ type: 'varchar', length: 10, nullable: true })
  budgetChapter!: string | null;

  @Column({ type: 'varchar', length: 10, nullable: true })
  budgetArticle!: string | null;

  @Column({ type: 'varchar', length: 10, nullable: true })
  budgetFunction!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  budgetService!: string | null;

  /** The deliberation or decision that founds the programme: its reference and date. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  legalBasis!: string | null;

  @Column({ type: 'date', nullable: true })
  legalBasisDate!: string | null;

  /** Closed after its claim deadline, everything settled: no redemption, claim or correction since. */
  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  closedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'closed_by', foreignKeyConstraintName: 'fk_programme_closed_by' })
  closer?: User | null;

  /** The closing report's figures, frozen at closing (cents). */
  @Column({ type: 'jsonb', nullable: true })
  closingReport!: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
