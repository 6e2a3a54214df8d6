import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../users/user.entity';
import { Association } from './association.entity';

export const BANK_DETAILS_CHANGE_STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED'] as const;
export type BankDetailsChangeStatus = (typeof BANK_DETAILS_CHANGE_STATUSES)[number];

/**
 * New bank details (IBAN, BIC) for an association, asked by one administrator and applied only
 * when a second person confirms them: statements copy the association's IBAN at issue, so one
 * person alone must never be able to send its reimbursements to another account.
 */
@Entity('bank_details_change')
@Index('uq_bank_details_change_pending', ['associationId'], {
  unique: true,
  where: `status = 'PENDING'`,
})
@Check('ck_bank_details_change_status', `status IN ('PENDING', 'CONFIRMED', 'CANCELLED')`)
@Check(
  'ck_bank_details_change_decision',
  `(status = 'PENDING') = (decided_by IS NULL AND decided_at IS NULL)`,
)
@Check(
  'ck_bank_details_change_document',
  `(document IS NULL) = (document_sha256 IS NULL) AND (document IS NULL) = (document_type IS NULL)`,
)
@Check(
  'ck_bank_details_change_second_person',
  `status <> 'CONFIRMED' OR decided_by <> requested_by`,
)
export class BankDetailsChange {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_bank_details_change' })
  id!: string;

  @Column({ type: 'uuid' })
  associationId!: string;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'association_id',
    foreignKeyConstraintName: 'fk_bank_details_change_association',
  })
  association?: Association;

  @Column({ type: 'varchar', length: 34 })
  iban!: string;

  @Column({ type: 'varchar', length: 11, nullable: true })
  bic!: string | null;

  /**
   * The bank-details document (relevé d'identité bancaire) the request rests on, kept with its
   * SHA-256; required of every request since the payment-chain migration.
   */
  @Column({ type: 'bytea', nullable: true, select: false })
  document!: Buffer | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  documentName!: string | null;

  @Column({ type: 'varchar', length: 50, nullable: true })
  documentType!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  documentSha256!: string | null;

  @Column({ type: 'varchar', length: 20 })
  status!: BankDetailsChangeStatus;

  @Column({ type: 'uuid' })
  requestedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'requested_by',
    foreignKeyConstraintName: 'fk_bank_details_change_requested_by',
  })
  requester?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  requestedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_bank_details_change_decided_by' })
  decider?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;
}
