import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One sign-in begun at the OpenID provider: what the answer must match (state, nonce) and the
 * PKCE verifier, kept under the SHA-256 of a random cookie given to the browser that began it.
 * Deleted by its first answer: a replayed or late answer finds nothing.
 */
@Entity('sso_attempt')
@Check('ck_sso_attempt_key', `key_hash ~ '^[0-9a-f]{64}$'`)
@Index('ix_sso_attempt_expires', ['expiresAt'])
export class SsoAttempt {
  @PrimaryColumn({ type: 'char', length: 64, primaryKeyConstraintName: 'pk_sso_attempt' })
  keyHash!: string;

  @Column({ type: 'varchar', length: 100 })
  state!: string;

  @Column({ type: 'varchar', length: 100 })
  nonce!: string;

  @Column({ type: 'varchar', length: 100 })
  codeVerifier!: string;

  /** The page to open after sign-in (a path of this site). */
  @Column({ type: 'varchar', length: 300, nullable: true })
  next!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
