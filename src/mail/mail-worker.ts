import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { MailTransport, SendFailure } from './mail-transport';

/** How long a claimed message is this instance's: longer than any attempt can last. */
const LEASE_SECONDS = 300;
/** An attempt that has not finished by then counts as failed (it is tried again later). */
const ATTEMPT_DEADLINE_MS = 60_000;
const BATCH = 20;

interface Claimed {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
}

export interface DeliveryRound {
  sent: number;
  retried: number;
  failed: number;
  expired: number;
}

/**
 * Sends the outbox. A message is claimed by one instance at a time (`FOR UPDATE SKIP LOCKED`, a
 * lease in `locked_until`), sent, then marked: SENT, or back to PENDING after a wait that doubles
 * each time (up to an hour), or FAILED after MAIL_MAX_ATTEMPTS or a permanent refusal (5xx).
 * Any number of instances may run it. Delivery is once, except if an instance stops between the
 * SMTP server's acceptance and the marking (or an attempt outlives its deadline): the message is
 * then sent again, with the same Message-ID, so that it can be told a duplicate.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailWorker.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<DeliveryRound> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.get('MAIL_WORKER_ENABLED') || !this.transport.configured) return;
    this.timer = setInterval(
      () => {
        this.deliverDue().catch((err: unknown) =>
          this.logger.error({ err }, 'Mail delivery round failed; next round as planned'),
        );
      },
      this.config.get('MAIL_POLL_SECONDS') * 1000,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round: messages past their expiry marked, then those due sent (one round at a time). */
  deliverDue(): Promise<DeliveryRound> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<DeliveryRound> {
    const result: DeliveryRound = { sent: 0, retried: 0, failed: 0, expired: 0 };
    result.expired = (
      await queryRows(
        this.dataSource.manager,
        `UPDATE outbox_message SET status = 'EXPIRED', text_body = NULL, html_body = NULL, locked_until = NULL
          WHERE status IN ('PENDING', 'FAILED') AND expires_at <= now() AND (locked_until IS NULL OR locked_until < now())
          RETURNING id`,
      )
    ).length;
    if (!this.transport.configured) return result;
    const claimed = await queryRows<Claimed>(
      this.dataSource.manager,
      `UPDATE outbox_message m SET attempts = m.attempts + 1, locked_until = now() + make_interval(secs => $2)
        WHERE m.id IN (
          SELECT id FROM outbox_message
           WHERE status = 'PENDING' AND next_attempt_at <= now()
             AND (locked_until IS NULL OR locked_until < now())
             AND (expires_at IS NULL OR expires_at > now())
           ORDER BY next_attempt_at, created_at
           LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m.recipient, m.subject, m.text_body, m.html_body, m.attempts, m.next_attempt_at, m.created_at`,
      [BATCH, LEASE_SECONDS],
    );
    // RETURNING has no order: sent oldest first, as they were written
    claimed.sort(
      (a, b) =>
        a.next_attempt_at.getTime() - b.next_attempt_at.getTime() ||
        a.created_at.getTime() - b.created_at.getTime(),
    );
    for (const m of claimed) {
      const outcome = await this.attempt(m);
      result[outcome] += 1;
    }
    return result;
  }

  private async attempt(m: Claimed): Promise<'sent' | 'retried' | 'failed'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.transport.send({
          messageId: `<${m.id}@${messageIdDomain(this.config.get('PUBLIC_BASE_URL'))}>`,
          to: m.recipient,
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new SendFailure('no answer from the SMTP server in time', false)),
            ATTEMPT_DEADLINE_MS,
          );
        }),
      ]);
    } catch (err) {
      const failure = err instanceof SendFailure ? err : new SendFailure(String(err), false);
      return this.failed(m, failure);
    } finally {
      clearTimeout(timer);
    }
    // a message with a personal link keeps no copy of it once delivered
    await this.dataSource.query(
      `UPDATE outbox_message SET status = 'SENT', sent_at = now(), locked_until = NULL, last_error = NULL,
              text_body = CASE WHEN sensitive THEN NULL ELSE text_body END,
              html_body = CASE WHEN sensitive THEN NULL ELSE html_body END
        WHERE id = $1 AND status = 'PENDING'`,
      [m.id],
    );
    return 'sent';
  }

  private async failed(m: Claimed, failure: SendFailure): Promise<'retried' | 'failed'> {
    const giveUp = failure.permanent || m.attempts >= this.config.get('MAIL_MAX_ATTEMPTS');
    const wait = Math.min(3600, this.config.get('MAIL_RETRY_BASE_SECONDS') * 2 ** (m.attempts - 1));
    await this.dataSource.query(
      `UPDATE outbox_message SET locked_until = NULL, last_error = $2,
              status = CASE WHEN $3 THEN 'FAILED' ELSE 'PENDING' END,
              next_attempt_at = now() + make_interval(secs => $4)
        WHERE id = $1 AND status = 'PENDING'`,
      [m.id, failure.message, giveUp, wait],
    );
    this.logger.warn(
      { messageId: m.id, attempts: m.attempts, error: failure.message, giveUp },
      giveUp ? 'Mail given up' : 'Mail attempt failed; will retry',
    );
    return giveUp ? 'failed' : 'retried';
  }
}

function messageIdDomain(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname || hostname();
  } catch {
    return hostname();
  }
}
