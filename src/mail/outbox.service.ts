import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { NotFoundError } from '../common/errors/common.errors';
import { Page, pageOf } from '../common/pagination';
import { queryRows } from '../database/sql';
import { MessageDto, MessageQueryDto, OutboxSummaryDto } from './dto/message.dto';
import { MAIL_ERRORS } from './mail.errors';
import { compileAllMailTemplates, MessageData, renderMail } from './mail-templates';
import { MailTransport } from './mail-transport';
import { MessageKind, OutboxMessage } from './outbox-message.entity';

export interface EnqueueOptions {
  /** The message carries a personal link: never shown, its body erased once sent or expired. */
  sensitive?: boolean;
  /** Not sent after this. */
  expiresAt?: Date;
  /** Written once: a second message with the same key is not (reminders). */
  dedupeKey?: string;
}

const STATUS_FR: Record<string, string> = {
  PENDING: 'en attente',
  SENT: 'envoyé',
  FAILED: 'en échec',
  EXPIRED: 'expiré',
};

/**
 * The outbox: messages written in the caller's transaction (they exist only if the action
 * commits), listed for administrators, resent by hand when given up. MailWorker sends them.
 */
@Injectable()
export class OutboxService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly transport: MailTransport,
  ) {}

  /** A broken template stops the start, not a claim or a payment later. */
  onModuleInit(): void {
    compileAllMailTemplates();
  }

  /**
   * Writes one message of `kind` to each recipient (duplicates and empty addresses dropped), in
   * `em`'s transaction. Returns how many were written (a `dedupeKey` already used writes none).
   */
  async enqueue<K extends MessageKind>(
    em: EntityManager,
    kind: K,
    recipients: string | string[],
    data: MessageData[K],
    options: EnqueueOptions = {},
  ): Promise<number> {
    const to = [
      ...new Set(
        (Array.isArray(recipients) ? recipients : [recipients])
          .map((r) => r.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    if (to.length === 0) return 0;
    const mail = renderMail(kind, data);
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO outbox_message (kind, recipient, subject, text_body, html_body, sensitive, expires_at, dedupe_key)
       SELECT $1, r, $3, $4, $5, $6, $7,
              CASE WHEN $8::text IS NULL THEN NULL ELSE $8 || ':' || encode(sha256(convert_to(r, 'UTF8')), 'hex') END
         FROM unnest($2::varchar[]) AS r
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        kind,
        to,
        mail.subject,
        mail.text,
        mail.html,
        options.sensitive ?? false,
        options.expiresAt ?? null,
        options.dedupeKey ?? null,
      ],
    );
    return rows.length;
  }

  /** Whether messages leave (SMTP_URL set), or wait here. */
  get smtpConfigured(): boolean {
    return this.transport.configured;
  }

  async list(q: MessageQueryDto): Promise<Page<MessageDto>> {
    const result = await this.dataSource.getRepository(OutboxMessage).findAndCount({
      where: { status: q.status, kind: q.kind },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: q.offset,
      take: q.pageSize,
    });
    return pageOf(q, result, (m) => MessageDto.from(m));
  }

  async get(id: string): Promise<MessageDto> {
    return MessageDto.from(await this.find(this.dataSource.manager, id));
  }

  async summary(): Promise<OutboxSummaryDto> {
    const rows = await queryRows<{ status: string; n: number }>(
      this.dataSource.manager,
      `SELECT status, count(*)::int AS n FROM outbox_message GROUP BY status`,
    );
    const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
    return {
      smtpConfigured: this.smtpConfigured,
      pending: n('PENDING'),
      failed: n('FAILED'),
      sent: n('SENT'),
      expired: n('EXPIRED'),
    };
  }

  /** A given-up message sent again: back in the queue with its attempts counted from zero. */
  async retry(actor: Actor, id: string): Promise<MessageDto> {
    return this.dataSource.transaction(async (em) => {
      const m = await this.find(em, id, true);
      if (m.status !== 'FAILED')
        throw MAIL_ERRORS.error('MESSAGE_NOT_RETRYABLE', { status: STATUS_FR[m.status] });
      if (m.textBody === null || (m.expiresAt && m.expiresAt <= new Date()))
        throw MAIL_ERRORS.custom(
          'MESSAGE_NOT_RETRYABLE',
          'Ce message contenait un lien qui a expiré : envoyez-en un nouveau.',
        );
      const before = { status: m.status, attempts: m.attempts, lastError: m.lastError };
      Object.assign(m, { status: 'PENDING', attempts: 0, nextAttemptAt: new Date() });
      await em.save(m);
      await this.audit.record(em, actor, {
        action: 'message.retried',
        entityType: 'message',
        entityId: m.id,
        before,
        after: { status: m.status, attempts: 0, recipient: m.recipient, kind: m.kind },
      });
      return MessageDto.from(m);
    });
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<OutboxMessage> {
    const m = await em.findOne(OutboxMessage, {
      where: { id },
      lock: lock ? { mode: 'pessimistic_write' } : undefined,
    });
    if (!m) throw new NotFoundError('Message', id);
    return m;
  }
}
