import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Association } from '../../associations/association.entity';
import { User } from '../../users/user.entity';

export const ACCESS_REQUEST_STATUSES = ['PENDING', 'GRANTED', 'REFUSED'] as const;
export type AccessRequestStatus = (typeof ACCESS_REQUEST_STATUSES)[number];

/**
 * Someone the OpenID provider vouched for but who has no account here: no access until an
 * administrator gives them a role, or, when their SIRET is an accredited association's, until
 * that association's people confirm them. Never granted by itself.
 */
@Entity('access_request')
@Check('ck_access_request_status', `status IN ('PENDING', 'GRANTED', 'REFUSED')`)
@Check(
  'ck_access_request_decided',
  `(status = 'PENDING') = (decided_at IS NULL) AND (status = 'GRANTED') = (user_id IS NOT NULL)`,
)
@Check('ck_access_request_siret', `siret IS NULL OR siret ~ '^[0-9]{14}$'`)
@Index('uq_access_request_pending', ['issuer', 'subject'], {
  unique: true,
  where: `status = 'PENDING'`,
})
@Index('ix_access_request_association', ['associationId'])
export class AccessRequest {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_access_request' })
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  issuer!: string;

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'boolean' })
  emailVerified!: boolean;

  @Column({ type: 'varchar', length: 120, nullable: true })
  displayName!: string | null;

  @Column({ type: 'char', length: 14, nullable: true })
  siret!: string | null;

  /** The accredited association whose SIRET the provider gave, offered to its people. */
  @Column({ type: 'uuid', nullable: true })
  associationId!: string | null;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_access_request_association' })
  association?: Association | null;

  @Column({ type: 'varchar', length: 10, default: 'PENDING' })
  status!: AccessRequestStatus;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_access_request_decided_by' })
  decider?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  /** The account made when granted. */
  @Column({ type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_access_request_user' })
  user?: User | null;

  /** How many times the person signed in while waiting. */
  @Column({ type: 'integer', default: 1 })
  attempts!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
