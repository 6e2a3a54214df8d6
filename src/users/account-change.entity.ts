import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

export const ACCOUNT_CHANGE_KINDS = [
  'ADMIN_CREATION',
  'ADMIN_REACTIVATION',
  'ADMIN_PASSWORD_RESET',
  'ADMIN_SECOND_FACTOR_RESET',
] as const;
export type AccountChangeKind = (typeof ACCOUNT_CHANGE_KINDS)[number];
export const ACCOUNT_CHANGE_STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED'] as const;
export type AccountChangeStatus = (typeof ACCOUNT_CHANGE_STATUSES)[number];

/**
 * A change that would give someone an administrator's powers — a new administrator, an
 * administrator re-activated, an administrator's password or second factor reset by another —
 * requested by one
 * administrator and only applied when a second one, neither the requester nor the account
 * concerned, confirms it. At most one pending change per account.
 */
@Entity('account_change')
@Index('uq_account_change_pending', ['userId'], { unique: true, where: `status = 'PENDING'` })
@Check(
  'ck_account_change_kind',
  `kind IN ('ADMIN_CREATION', 'ADMIN_REACTIVATION', 'ADMIN_PASSWORD_RESET', 'ADMIN_SECOND_FACTOR_RESET')`,
)
@Check('ck_account_change_status', `status IN ('PENDING', 'CONFIRMED', 'CANCELLED')`)
@Check('ck_account_change_not_self', 'requested_by <> user_id')
@Check(
  'ck_account_change_decision',
  `(status = 'PENDING') = (decided_by IS NULL AND decided_at IS NULL)`,
)
@Check(
  'ck_account_change_second_person',
  `status <> 'CONFIRMED' OR (decided_by <> requested_by AND decided_by <> user_id)`,
)
@Check(
  'ck_account_change_password',
  `(status = 'PENDING' OR password_hash IS NULL) AND (kind <> 'ADMIN_PASSWORD_RESET' OR status <> 'PENDING' OR password_hash IS NOT NULL) AND (kind <> 'ADMIN_CREATION' OR password_hash IS NULL)`,
)
export class AccountChange {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_account_change' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_account_change_user' })
  user?: User;

  @Column({ type: 'varchar', length: 30 })
  kind!: AccountChangeKind;

  /** The new password's hash (a reset, or a re-activation with one), until decided; then erased. */
  @Column({ type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'varchar', length: 20 })
  status!: AccountChangeStatus;

  @Column({ type: 'uuid' })
  requestedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'requested_by', foreignKeyConstraintName: 'fk_account_change_requested_by' })
  requester?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  requestedAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_account_change_decided_by' })
  decider?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;
}
