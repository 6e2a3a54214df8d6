import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Association } from '../associations/association.entity';
import { bigintCents } from '../common/money';
import { User } from '../users/user.entity';

export const CLAIM_STATUSES = ['DRAFT', 'SUBMITTED', 'ISSUED', 'REJECTED'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** An association's request for reimbursement of its redemptions up to a date. */
@Entity('claim')
@Index('ix_claim_association', ['associationId'])
@Check('ck_claim_status', `status IN ('DRAFT', 'SUBMITTED', 'ISSUED', 'REJECTED')`)
@Check('ck_claim_counts', 'redemption_count >= 0')
export class Claim {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_claim' })
  id!: string;

  @Column({ type: 'uuid' })
  associationId!: string;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_claim_association' })
  association?: Association;

  @Column({ type: 'date' })
  upTo!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: ClaimStatus;

  @Column({ type: 'bigint', transformer: bigintCents })
  totalCents!: number;

  @Column({ type: 'integer' })
  redemptionCount!: number;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_claim_created_by' })
  creator?: User;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  rejectReason!: string | null;
}
