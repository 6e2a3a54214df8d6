import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { User } from '../users/user.entity';

/**
 * A client's Idempotency-Key: the request it came with (hash) and, once it succeeded, the response
 * to replay. Kept at least 24 hours.
 */
@Entity('idempotency_key')
@Index('ix_idempotency_key_created', ['createdAt'])
@Check('ck_idempotency_key_status', `status IN ('PENDING', 'COMPLETED')`)
export class IdempotencyKey {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_idempotency_key' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_idempotency_key_user' })
  user?: User;

  @PrimaryColumn({ type: 'varchar', length: 100, primaryKeyConstraintName: 'pk_idempotency_key' })
  key!: string;

  @Column({ type: 'char', length: 64 })
  requestHash!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: 'PENDING' | 'COMPLETED';

  @Column({ type: 'integer', nullable: true })
  responseStatus!: number | null;

  /** json, not jsonb: the replayed body is byte for byte the first one. */
  @Column({ type: 'json', nullable: true })
  responseBody!: object | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
