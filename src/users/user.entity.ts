import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
// A user may belong to an association (a feature above this one): the foreign key names the table
// by entity name, and the class only as a type, so that no code of users/ depends on associations/.
import type { Association } from '../associations/association.entity';
import { Role } from '../common/access/role';

@Entity('app_user')
@Unique('uq_app_user_email', ['email'])
@Check('ck_app_user_email_lower', 'email = lower(email)')
@Check('ck_app_user_role', `role IN ('ADMIN', 'AGENT', 'PRESCRIBER', 'ASSOCIATION')`)
@Check('ck_app_user_association', `(role = 'ASSOCIATION') = (association_id IS NOT NULL)`)
@Index('ix_app_user_association', ['associationId'])
export class User {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_app_user' })
  id!: string;

  /** Stored lower-case: e-mail addresses are compared case-insensitively. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'varchar', length: 120, nullable: true })
  displayName!: string | null;

  /** Function printed when this person certifies a statement (e.g. « Directeur des finances »). */
  @Column({ type: 'varchar', length: 120, nullable: true })
  jobTitle!: string | null;

  /** Null for an invited user who has not yet chosen a password (no sign-in possible). */
  @Column({ type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'varchar', length: 20 })
  role!: Role;

  /** The association whose staff this user is: set for role ASSOCIATION, and only for it. */
  @Column({ type: 'uuid', nullable: true })
  associationId!: string | null;

  @ManyToOne('Association', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_app_user_association' })
  association?: Association | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  /** Carried in every token; incremented by logout and password reset to revoke older tokens. */
  @Column({ type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
