import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const MESSAGE_KINDS = [
  'INVITATION',
  'PASSWORD_RESET',
  'CLAIM_SUBMITTED',
  'STATEMENT_ISSUED',
  'STATEMENT_PAID',
  'ACCREDITATION_EXPIRING',
  'PROGRAMME_ENDING',
  'SECOND_FACTOR_CHANGED',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const MESSAGE_STATUSES = ['PENDING', 'SENT', 'FAILED', 'EXPIRED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * An e-mail to send, written in the transaction of the action that causes it (a rolled-back
 * action leaves none), then sent by the mail worker: claimed for a while by one instance at a
 * time (`locked_until`, `FOR UPDATE SKIP LOCKED`), retried with back-off, kept with its outcome.
 * A message carrying a personal link (`sensitive`) has its body erased once sent or expired, and
 * never shown on a page.
 */
@Entity('outbox_message')
@Check('ck_outbox_message_kind', `kind IN (${MESSAGE_KINDS.map((k) => `'${k}'`).join(', ')})`)
@Check(
  'ck_outbox_message_status',
  `status IN (${MESSAGE_STATUSES.map((k) => `'${k}'`).join(', ')})`,
)
@Check('ck_outbox_message_sent', `(status = 'SENT') = (sent_at IS NOT NULL)`)
@Check('ck_outbox_message_attempts', `attempts >= 0`)
@Check('ck_outbox_message_body', `status <> 'PENDING' OR text_body IS NOT NULL`)
@Index('uq_outbox_message_dedupe_key', ['dedupeKey'], { unique: true })
@Index('ix_outbox_message_due', ['nextAttemptAt'], { where: `status = 'PENDING'` })
@Index('ix_outbox_message_created', ['createdAt'])
export class OutboxMessage {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_outbox_message' })
  id!: string;

  @Column({ type: 'varchar', length: 30 })
  kind!: MessageKind;

  @Column({ type: 'varchar', length: 254 })
  recipient!: string;

  @Column({ type: 'varchar', length: 200 })
  subject!: string;

  @Column({ type: 'text', nullable: true })
  textBody!: string | null;

  @Column({ type: 'text', nullable: true })
  htmlBody!: string | null;

  @Column({ type: 'boolean', default: false })
  sensitive!: boolean;

  /** A message that says the same thing once (a reminder): a second one is not written. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  dedupeKey!: string | null;

  @Column({ type: 'varchar', length: 10, default: 'PENDING' })
  status!: MessageStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** Claimed by a worker until then; another may take it up afterwards. */
  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  /** Not sent after this (its link would be dead): EXPIRED instead. */
  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
