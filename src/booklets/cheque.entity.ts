import {
  Check,
  Column,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { bigintCents } from '../common/money';
import { Booklet } from './booklet.entity';

export const CHEQUE_STATUSES = ['ISSUED', 'REDEEMED', 'CANCELLED'] as const;
export type ChequeStatus = (typeof CHEQUE_STATUSES)[number];

/** One cheque. "Expired" is not stored: it is ISSUED past the programme's expiry date. */
@Entity('cheque')
@Unique('uq_cheque_code', ['code'])
@Unique('uq_cheque_booklet_position', ['bookletId', 'position'])
@Check('ck_cheque_status', `status IN ('ISSUED', 'REDEEMED', 'CANCELLED')`)
@Check('ck_cheque_position', 'position >= 1')
@Check('ck_cheque_face_value', 'face_value_cents > 0')
@Check('ck_cheque_code', `code ~ '^[0-9A-HJKMNP-TV-Z]{14}$'`)
export class Cheque {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_cheque' })
  id!: string;

  @Column({ type: 'uuid' })
  bookletId!: string;

  @ManyToOne(() => Booklet, (b) => b.cheques, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'booklet_id', foreignKeyConstraintName: 'fk_cheque_booklet' })
  booklet?: Booklet;

  @Column({ type: 'integer' })
  position!: number;

  /** 14 Crockford characters, no dashes (see codes/cheque-code.ts). */
  @Column({ type: 'char', length: 14 })
  code!: string;

  @Column({ type: 'bigint', transformer: bigintCents })
  faceValueCents!: number;

  @Column({ type: 'varchar', length: 20, default: 'ISSUED' })
  status!: ChequeStatus;
}
