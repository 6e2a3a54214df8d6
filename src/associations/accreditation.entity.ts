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

export const ACCREDITATION_STATUSES = ['ACTIVE', 'SUSPENDED', 'REVOKED'] as const;
export type AccreditationStatus = (typeof ACCREDITATION_STATUSES)[number];

/** A period during which an association may redeem cheques, and its current status. */
@Entity('accreditation')
@Index('ix_accreditation_association', ['associationId'])
@Check('ck_accreditation_period', 'valid_from <= valid_until')
@Check('ck_accreditation_status', `status IN ('ACTIVE', 'SUSPENDED', 'REVOKED')`)
export class Accreditation {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_accreditation' })
  id!: string;

  @Column({ type: 'uuid' })
  associationId!: string;

  @ManyToOne(() => Association, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'association_id', foreignKeyConstraintName: 'fk_accreditation_association' })
  association?: Association;

  @Column({ type: 'date' })
  validFrom!: string;

  @Column({ type: 'date' })
  validUntil!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: AccreditationStatus;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

export const ACCREDITATION_ACTIONS = ['GRANTED', 'SUSPENDED', 'REINSTATED', 'REVOKED'] as const;
export type AccreditationAction = (typeof ACCREDITATION_ACTIONS)[number];

/** Who decided what about an accreditation, when and why: the history shown to administrators. */
@Entity('accreditation_decision')
@Index('ix_accreditation_decision_accreditation', ['accreditationId'])
@Check(
  'ck_accreditation_decision_action',
  `action IN ('GRANTED', 'SUSPENDED', 'REINSTATED', 'REVOKED')`,
)
export class AccreditationDecision {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_accreditation_decision' })
  id!: string;

  @Column({ type: 'uuid' })
  accreditationId!: string;

  @ManyToOne(() => Accreditation, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'accreditation_id',
    foreignKeyConstraintName: 'fk_accreditation_decision_accreditation',
  })
  accreditation?: Accreditation;

  @Column({ type: 'varchar', length: 20 })
  action!: AccreditationAction;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ type: 'uuid' })
  decidedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'fk_accreditation_decision_user' })
  decider?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  decidedAt!: Date;
}
