import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

/**
 * An account's identity at an OpenID provider (ProConnect, the département's own): the pair
 * issuer + subject, linked once (by a verified e-mail, or when an access request is granted) and
 * from then on found by that pair alone, whatever the e-mail becomes.
 */
@Entity('external_identity')
@Index('uq_external_identity_subject', ['issuer', 'subject'], { unique: true })
@Index('uq_external_identity_user', ['issuer', 'userId'], { unique: true })
export class ExternalIdentity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_external_identity' })
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  issuer!: string;

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_external_identity_user' })
  user?: User;

  /** The e-mail the provider gave when the link was made. */
  @Column({ type: 'varchar', length: 254 })
  emailAtLink!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /**
   * When a sign-in through this identity passed this service's own second factor. Until then (a
   * link made by e-mail), the provider's word that it checked one is not enough; a reset of the
   * account's factor clears it.
   */
  @Column({ type: 'timestamptz', nullable: true })
  secondStepAt!: Date | null;
}
