import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { AuditChain } from './audit-chain.entity';

/**
 * One state change: who, what, when, before and after. Append-only (a trigger refuses UPDATE,
 * DELETE and TRUNCATE) and hash-chained: the same trigger appends it to its transaction's chain
 * (see AuditChain) as number `seq`, sets prev_hash to that chain's previous hash and hash to
 * SHA-256 of this row's canonical content, under the chain's row lock so each chain is linear.
 */
@Entity('audit_event')
@Index('ix_audit_event_entity', ['entityType', 'entityId'])
@Index('ix_audit_event_actor', ['actorId'])
@Index('ix_audit_event_action', ['action'])
@Index('uq_audit_event_chain_seq', ['chain', 'seq'], { unique: true })
@Check('ck_audit_event_seq', '"seq" >= 1')
export class AuditEvent {
  @PrimaryGeneratedColumn('increment', {
    type: 'bigint',
    primaryKeyConstraintName: 'pk_audit_event',
  })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  actorRole!: string | null;

  @Column({ type: 'varchar', length: 80 })
  action!: string;

  @Column({ type: 'varchar', length: 60 })
  entityType!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  entityId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: object | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: object | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @ManyToOne(() => AuditChain, { nullable: false })
  @JoinColumn({ name: 'chain', foreignKeyConstraintName: 'fk_audit_event_chain' })
  auditChain?: AuditChain;

  @Column({ type: 'smallint' })
  chain!: number;

  @Column({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'char', length: 64 })
  prevHash!: string;

  @Column({ type: 'char', length: 64 })
  hash!: string;
}
