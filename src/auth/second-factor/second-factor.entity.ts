import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from '../../users/user.entity';

/**
 * An account's TOTP authenticator, once confirmed by a first code from the app (a set-up not yet
 * confirmed is never stored: it travels sealed with the one who began it). Its secret is sealed
 * (SecretSealer). `last_step` is the last 30-second step a code was accepted for: a code is never
 * accepted twice (RFC 6238 §5.2).
 */
@Entity('totp_factor')
@Check('ck_totp_factor_step', 'last_step >= 0')
@Check(
  'ck_totp_factor_sealed',
  `sealed_secret ~ '^v1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$'`,
)
export class TotpFactor {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_totp_factor' })
  userId!: string;

  @OneToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_totp_factor_user' })
  user?: User;

  @Column({ type: 'text' })
  sealedSecret!: string;

  @Column({ type: 'timestamptz' })
  confirmedAt!: Date;

  @Column({ type: 'bigint' })
  lastStep!: string;
}

/** A recovery code of a factor, kept as its SHA-256; used once. */
@Entity('recovery_code')
@Index('uq_recovery_code', ['userId', 'codeHash'], { unique: true })
@Check('ck_recovery_code_hash', `code_hash ~ '^[0-9a-f]{64}$'`)
export class RecoveryCode {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_recovery_code' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  /** The codes go with their factor. */
  @ManyToOne(() => TotpFactor, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'user_id',
    referencedColumnName: 'userId',
    foreignKeyConstraintName: 'fk_recovery_code_factor',
  })
  factor?: TotpFactor;

  @Column({ type: 'char', length: 64 })
  codeHash!: string;

  @Column({ type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * A sign-in halfway: the password (or the OpenID provider) said who it is, the second factor is
 * still to come. Kept under the SHA-256 of a random key that only the caller has; five codes at
 * most, then gone; and only for the account as it was (its token version).
 */
@Entity('login_challenge')
@Check('ck_login_challenge_key', `key_hash ~ '^[0-9a-f]{64}$'`)
@Check('ck_login_challenge_purpose', `purpose IN ('VERIFY', 'ENROL')`)
@Check('ck_login_challenge_via', `via IN ('password', 'sso')`)
@Check('ck_login_challenge_attempts', 'attempts BETWEEN 0 AND 5')
@Index('ix_login_challenge_expires', ['expiresAt'])
@Index('ix_login_challenge_user', ['userId'])
export class LoginChallenge {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_login_challenge' })
  keyHash!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_login_challenge_user' })
  user?: User;

  /** VERIFY: a code of the confirmed factor; ENROL: an administrator without one sets it up first. */
  @Column({ type: 'varchar', length: 10 })
  purpose!: 'VERIFY' | 'ENROL';

  /** How the first step was made: `password` or `sso`. */
  @Column({ type: 'varchar', length: 10 })
  via!: 'password' | 'sso';

  @Column({ type: 'integer' })
  tokenVersion!: number;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** The page to open afterwards (a path of this site). */
  @Column({ type: 'varchar', length: 300, nullable: true })
  next!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
