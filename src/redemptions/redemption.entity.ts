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
import { Booklet } from '../booklets/booklet.entity';
import { Cheque } from '../booklets/cheque.entity';
import { bigintCents } from '../common/money';
// The claim that took a redemption belongs to statements/ (above this feature): named by entity
// name for the foreign key, imported as a type only.
import type { Claim } from '../statements/claim.entity';
import { User } from '../users/user.entity';

export const REDEMPTION_STATUSES = ['ACTIVE', 'CANCELLED', 'REVERSED'] as const;
export type RedemptionStatus = (typeof REDEMPTION_STATUSES)[number];

/** The cheques one beneficiary presented for one workshop, redeemed together by an association. */
@Entity('redemption')
@Index('ix_redemption_association_session', ['associationId', 'sessionDate'])
@Index('ix_redemption_claim', ['claimId'])
@Check(
  'ck_redemption_reversal',
  `(status = 'REVERSED') = (reversed_at IS NOT NULL AND reversed_by IS NOT NULL)`,
)
@Check('ck_redemption_status', `status IN ('ACTIVE', 'CANCELLED', 'REVERSED')`)
@Check('ck_redemption_total', 'total_cents > 0 AND cheque_count > 0')
@Check('ck_redemption_workshop_price', 'workshop_price_cents IS NULL OR workshop_price_cents >= 0')
@Check(
  'ck_redemption_cancellation',
  `(status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL)`,
)
export class Redemption {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_redemption' })
  id!: string;

  @Column({ type: 'uuid' })
  associationId!: string;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_redemption_association' })
  association?: Association;

  /** The staff member who scanned the cheques. */
  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_redemption_user' })
  user?: User;

  @Column({ type: 'date' })
  sessionDate!: string;

  @Column({ type: 'varchar', length: 120 })
  activity!: string;

  /** The workshop's price, for statistics (full or partial cover); not what is reimbursed. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintCents })
  workshopPriceCents!: number | null;

  /** What the département owes for it: the cheques' face value. */
  @Column({ type: 'bigint', transformer: bigintCents })
  totalCents!: number;

  @Column({ type: 'integer' })
  chequeCount!: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;

  @Column({ type: 'varchar', length: 20, default: 'ACTIVE' })
  status!: RedemptionStatus;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  cancelledBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'cancelled_by', foreignKeyConstraintName: 'fk_redemption_cancelled_by' })
  canceller?: User | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  cancelReason!: string | null;

  /** The claim it is on, if any (freed when the claim is rejected). */
  @Column({ type: 'uuid', nullable: true })
  claimId!: string | null;

  @ManyToOne('Claim', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id', foreignKeyConstraintName: 'fk_redemption_claim' })
  claim?: Claim | null;

  @Column({ type: 'timestamptz', nullable: true })
  reversedAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  reversedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'reversed_by', foreignKeyConstraintName: 'fk_redemption_reversed_by' })
  reverser?: User | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reverseReason!: string | null;
}

/**
 * One cheque of a redemption. The partial unique index on cheque_id where the line is active is the
 * database's own guarantee that a cheque has at most one live redemption, whatever the application
 * instances do; a cancelled redemption's lines are inactive, so the cheque can be redeemed again.
 */
@Entity('redemption_line')
@Index('uq_redemption_line_active_cheque', ['chequeId'], { unique: true, where: 'active' })
@Index('ix_redemption_line_redemption', ['redemptionId'])
@Index('ix_redemption_line_booklet', ['bookletId'])
@Check('ck_redemption_line_amount', 'amount_cents > 0')
export class RedemptionLine {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_redemption_line' })
  id!: string;

  @Column({ type: 'uuid' })
  redemptionId!: string;

  @ManyToOne(() => Redemption, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'redemption_id', foreignKeyConstraintName: 'fk_redemption_line_redemption' })
  redemption?: Redemption;

  @Column({ type: 'uuid' })
  chequeId!: string;

  @ManyToOne(() => Cheque, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'cheque_id', foreignKeyConstraintName: 'fk_redemption_line_cheque' })
  cheque?: Cheque;

  /**
   * The cheque's booklet, always set by a database trigger from cheque_id (never by the
   * application), so that the indicators can follow lines to booklets without reading the
   * million cheques.
   */
  @Column({ type: 'uuid' })
  bookletId!: string;

  @ManyToOne(() => Booklet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'booklet_id', foreignKeyConstraintName: 'fk_redemption_line_booklet' })
  booklet?: Booklet;

  @Column({ type: 'bigint', transformer: bigintCents })
  amountCents!: number;

  @Column({ type: 'boolean', default: true })
  active!: boolean;
}
