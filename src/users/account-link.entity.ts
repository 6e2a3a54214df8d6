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
import { User } from './user.entity';

export const ACCOUNT_LINK_PURPOSES = ['INVITATION', 'PASSWORD_RESET'] as const;
export type AccountLinkPurpose = (typeof ACCOUNT_LINK_PURPOSES)[number];

/**
 * A single-use link sent by e-mail to choose one's password: an invitation (72 h) or a reset
 * (1 h). Only the SHA-256 of its secret is kept; it is used once (`used_at`), and a newer link
 * of the same purpose ends the older ones (their `expires_at` brought forward).
 */
@Entity('account_link')
@Check('ck_account_link_purpose', `purpose IN ('INVITATION', 'PASSWORD_RESET')`)
@Check('ck_account_link_hash', `token_hash ~ '^[0-9a-f]{64}$'`)
@Check('ck_account_link_used', `used_at IS NULL OR used_at <= expires_at`)
@Index('uq_account_link_token_hash', ['tokenHash'], { unique: true })
@Index('ix_account_link_user', ['userId'])
export class AccountLink {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_account_link' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_account_link_user' })
  user?: User;

  @Column({ type: 'varchar', length: 20 })
  purpose!: AccountLinkPurpose;

  @Column({ type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  /** The administrator who sent an invitation; null for a reset asked by its owner. */
  @Column({ type: 'uuid', nullable: true })
  createdBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_account_link_created_by' })
  creator?: User | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
