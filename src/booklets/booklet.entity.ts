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
import { DistributionSite } from '../sites/distribution-site.entity';
import { User } from '../users/user.entity';
import type { Cheque } from './cheque.entity';

export const CANCEL_REASONS = ['LOST', 'STOLEN', 'DAMAGED', 'OTHER'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * IN_STOCK: printed and kept at a distribution site, its cheques not yet redeemable; ACTIVE: in a
 * beneficiary's hands (handed over, or issued directly to them); CANCELLED: lost, stolen, damaged.
 */
export const BOOKLET_STATUSES = ['IN_STOCK', 'ACTIVE', 'CANCELLED'] as const;
export type BookletStatus = (typeof BOOKLET_STATUSES)[number];

/** A print run of anonymous booklets for one distribution site, where they are kept as stock. */
@Entity('print_batch')
@Index('ix_print_batch_programme', ['programmeId'])
@Index('ix_print_batch_site', ['siteId'])
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

  @Column({ type: 'uuid' })
  siteId!: string;

  @ManyToOne(() => DistributionSite, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'fk_print_batch_site' })
  site?: DistributionSite;

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
@Index('ix_booklet_site_status', ['siteId', 'status'])
@Index('ix_booklet_transfer', ['transferId'])
@Unique('uq_booklet_cover_token', ['coverToken'])
@Check('ck_booklet_status', `status IN ('IN_STOCK', 'ACTIVE', 'CANCELLED')`)
@Check(
  'ck_booklet_in_stock',
  `status <> 'IN_STOCK' OR (site_id IS NOT NULL AND beneficiary_id IS NULL AND handed_over_at IS NULL)`,
)
@Check('ck_booklet_active_handed_over', `status <> 'ACTIVE' OR handed_over_at IS NOT NULL`)
@Check('ck_booklet_handover', `(handed_over_at IS NULL) = (handed_over_by IS NULL)`)
@Check('ck_booklet_in_transit', `transfer_id IS NULL OR status = 'IN_STOCK'`)
@Check('ck_booklet_cover_token', `cover_token ~ '^[0-9A-Z]{20,32}$'`)
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
  status!: BookletStatus;

  /** Where the booklet is kept (IN_STOCK) or was handed out; null for one issued directly. */
  @Column({ type: 'uuid', nullable: true })
  siteId!: string | null;

  @ManyToOne(() => DistributionSite, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'fk_booklet_site' })
  site?: DistributionSite | null;

  /** The transfer carrying it to another site, until received there. */
  @Column({ type: 'uuid', nullable: true })
  transferId!: string | null;

  @ManyToOne('StockTransfer', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'transfer_id', foreignKeyConstraintName: 'fk_booklet_transfer' })
  transfer?: StockTransfer | null;

  /** When it reached a beneficiary: its handover, or its issue for a booklet issued directly. */
  @Column({ type: 'timestamptz', nullable: true })
  handedOverAt!: Date | null;

  @Column({ type: 'uuid', nullable: true })
  handedOverBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'handed_over_by', foreignKeyConstraintName: 'fk_booklet_handed_over_by' })
  handedOverByUser?: User | null;

  /** Unguessable, printed as the cover's QR code: `/carnet/<token>` (never the booklet number). */
  @Column({ type: 'varchar', length: 32 })
  coverToken!: string;

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

export const TRANSFER_STATUSES = ['IN_TRANSIT', 'RECEIVED'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** Booklets of stock sent from one site to another, counted at neither until received. */
@Entity('stock_transfer')
@Index('ix_stock_transfer_from', ['fromSiteId'])
@Index('ix_stock_transfer_to', ['toSiteId'])
@Check('ck_stock_transfer_status', `status IN ('IN_TRANSIT', 'RECEIVED')`)
@Check('ck_stock_transfer_sites', 'from_site_id <> to_site_id')
@Check('ck_stock_transfer_count', 'booklet_count BETWEEN 1 AND 10000')
@Check(
  'ck_stock_transfer_received',
  `(status = 'RECEIVED') = (received_at IS NOT NULL AND received_by IS NOT NULL)`,
)
export class StockTransfer {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_stock_transfer' })
  id!: string;

  @Column({ type: 'uuid' })
  fromSiteId!: string;

  @ManyToOne(() => DistributionSite, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'from_site_id', foreignKeyConstraintName: 'fk_stock_transfer_from' })
  fromSite?: DistributionSite;

  @Column({ type: 'uuid' })
  toSiteId!: string;

  @ManyToOne(() => DistributionSite, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'to_site_id', foreignKeyConstraintName: 'fk_stock_transfer_to' })
  toSite?: DistributionSite;

  @Column({ type: 'varchar', length: 20, default: 'IN_TRANSIT' })
  status!: TransferStatus;

  @Column({ type: 'integer' })
  bookletCount!: number;

  @Column({ type: 'uuid' })
  sentBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sent_by', foreignKeyConstraintName: 'fk_stock_transfer_sent_by' })
  sender?: User;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  sentAt!: Date;

  @Column({ type: 'uuid', nullable: true })
  receivedBy!: string | null;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'received_by', foreignKeyConstraintName: 'fk_stock_transfer_received_by' })
  receiver?: User | null;

  @Column({ type: 'timestamptz', nullable: true })
  receivedAt!: Date | null;
}

/** Which booklets a transfer carried (kept after receipt: the history of each booklet's moves). */
@Entity('stock_transfer_booklet')
@Index('ix_stock_transfer_booklet_booklet', ['bookletId'])
export class StockTransferBooklet {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_stock_transfer_booklet' })
  transferId!: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_stock_transfer_booklet' })
  bookletId!: string;

  @ManyToOne(() => StockTransfer, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'transfer_id',
    foreignKeyConstraintName: 'fk_stock_transfer_booklet_transfer',
  })
  transfer?: StockTransfer;

  @ManyToOne(() => Booklet, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'booklet_id', foreignKeyConstraintName: 'fk_stock_transfer_booklet_booklet' })
  booklet?: Booklet;
}
