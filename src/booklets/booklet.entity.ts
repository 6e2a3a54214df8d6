import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Beneficiary } from '../beneficiaries/beneficiary.entity';
import { bigintCents } from '../common/money';
import { Programme } from '../programmes/programme.entity';
import { User } from '../users/user.entity';
import type { Cheque } from './cheque.entity';

export const CANCEL_REASONS = ['LOST', 'STOLEN', 'DAMAGED', 'OTHER'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** A print run of anonymous booklets for one distribution point. */
@Entity('print_batch')
@Index('ix_print_batch_programme', ['programmeId'])
@Check('ck_print_batch_count', 'booklet_count BETWEEN 1 AND 10000')
export class PrintBatch {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_print_batch' })
  id!: string;

  @Column({ type: 'uuid' })
  programmeId!: string;

  @ManyToOne(() => Programme, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'programme_id', foreignKeyConstraintName: 'fk_print_batch_programme' })
  programme?: Programme;

  @Column({ type: 'integer' })
  bookletCount!: number;

  @Column({ type: 'varchar', length: 200 })
  distributionSite!: string;

  @Column({ type: 'uuid' })
  createdBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_print_batch_user' })
  creator?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

/** Gapless booklet numbers per département and year, handed out under this row's lock. */
@Entity('booklet_counter')
export class BookletCounter {
  @PrimaryColumn({ type: 'varchar', length: 3, primaryKeyConstraintName: 'pk_booklet_counter' })
  departementCode!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_booklet_counter' })
  year!: number;

  @Column({ type: 'integer' })
  lastSeq!: number;
}

@Entity('booklet')
@Unique('uq_booklet_number', ['number'])
@Unique('uq_booklet_replaces', ['replacesBookletId'])
@Index('ix_booklet_programme', ['programmeId'])
@Index('ix_booklet_batch', ['batchId'])
@Index('ix_booklet_beneficiary', ['beneficiaryId'])
@Check('ck_booklet_status', `status IN ('ACTIVE', 'CANCELLED')`)
@Check('ck_booklet_cancel_reason', `cancel_reason IN ('LOST', 'STOLEN', 'DAMAGED', 'OTHER')`)
@Check(
  'ck_booklet_cancellation',
  `(status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL AND cancelled_by IS NOT NULL)`,
)
@Check('ck_booklet_cheque_count', 'cheque_count BETWEEN 1 AND 50')
export class Booklet {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_booklet' })
  id!: string;

  /** Human number: département-year-sequence, e.g. 31-2026-000123. */
  @Column({ type: 'varchar', length: 20 })
  number!: string;

  @Column({ type: 'uuid' })
  programmeId!: string;

  @ManyToOne(() => Programme, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'programme_id', foreignKeyConstraintName: 'fk_booklet_programme' })
  programme?: Programme;

  @Column({ type: 'uuid', nullable: true })
  beneficiaryId!: string | null;

  @ManyToOne(() => Beneficiary, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'beneficiary_id', foreignKeyConstraintName: 'fk_booklet_beneficiary' })
  beneficiary?: Beneficiary | null;

  @Column({ type: 'uuid', nullable: true })
  batchId!: string | null;

  @ManyToOne(() => PrintBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_booklet_batch' })
  batch?: PrintBatch | null;

  @Column({ type: 'varchar', length: 20, default: 'ACTIVE' })
  status!: 'ACTIVE' | 'CANCELLED';

  @Column({ type: 'integer' })
  chequeCount!: number;

  /** Face value of each cheque, copied from the programme at issue. */
  @Column({ type: 'bigint', transformer: bigintCents })
  faceValueCents!: number;

  @Column({ type: 'uuid', nullable: true })
  replacesBookletId!: string | null;

  @ManyToOne(() => Booklet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'replaces_booklet_id', foreignKeyConstraintName: 'fk_booklet_replaces' })
  replaces?: Booklet | null;

  @Column({ type: 'uuid' })
  issuedBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'issued_by', foreignKeyConstraintName: 'fk_booklet_issued_by' })
  issuer?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  issuedAt!: Date;

  @Column({ type: 'varchar', length: 20, nullable: true })
  cancelReason!: CancelReason | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  cancelComment!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  cancelledBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'cancelled_by', foreignKeyConstraintName: 'fk_booklet_cancelled_by' })
  canceller?: User | null;

  @OneToMany('Cheque', 'booklet')
  cheques?: Cheque[];
}
