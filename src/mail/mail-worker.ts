import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { MailTransport, SendFailure } from './mail-transport';

/** How long a claimed message is this instance's: five times the longest attempt. */
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
  /** As PostgreSQL writes it (microseconds kept): the claim's identity when marking. */
  locked_until: string;
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
    // without SMTP_URL the rounds still expire dead links (and erase their messages' text)
    if (!this.config.get('MAIL_WORKER_ENABLED')) return;
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
    for (let i = 0; i < BATCH; i++) {
      // one message claimed at a time: its lease covers its own attempt only
      const m = await this.claim();
      if (!m) break;
      result[await this.attempt(m)] += 1;
    }
    return result;
  }

  /** The oldest message due, claimed for LEASE_SECONDS (skipped if another instance holds it). */
  private async claim(): Promise<Claimed | undefined> {
    const [m] = await queryRows<Claimed>(
      this.dataSource.manager,
      `UPDATE outbox_message m SET attempts = m.attempts + 1, locked_until = now() + make_interval(secs => $1)
        WHERE m.id = (
          SELECT id FROM outbox_message
           WHERE status = 'PENDING' AND next_attempt_at <= now()
             AND (locked_until IS NULL OR locked_until < now())
             AND (expires_at IS NULL OR expires_at > now())
           ORDER BY next_attempt_at, created_at
           LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING m.id, m.recipient, m.subject, m.text_body, m.html_body, m.attempts, m.locked_until::text AS locked_until`,
      [LEASE_SECONDS],
    );
    return m;
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
    // marked by the instance that holds the claim; a message with a personal link keeps no copy
    await this.dataSource.query(
      `UPDATE outbox_message SET status = 'SENT', sent_at = now(), locked_until = NULL, last_error = NULL,
              text_body = CASE WHEN sensitive THEN NULL ELSE text_body END,
              html_body = CASE WHEN sensitive THEN NULL ELSE html_body END
        WHERE id = $1 AND status = 'PENDING' AND locked_until = $2::timestamptz`,
      [m.id, m.locked_until],
    );
    return 'sent';
  }

  private async failed(m: Claimed, failure: SendFailure): Promise<'retried' | 'failed'> {
    const giveUp = failure.permanent || m.attempts >= this.config.get('MAIL_MAX_ATTEMPTS');
    const wait = Math.min(3600, this.config.get('MAIL_RETRY_BASE_SECONDS') * 2 ** (m.attempts - 1));
    // an SMTP answer may quote the message: never a link in what administrators read
    const error = failure.message.replace(/https?:\/\/\S+/gi, '[lien]');
    await this.dataSource.query(
      `UPDATE outbox_message SET locked_until = NULL, last_error = $2,
              status = CASE WHEN $3 THEN 'FAILED' ELSE 'PENDING' END,
              next_attempt_at = now() + make_interval(secs => $4)
        WHERE id = $1 AND status = 'PENDING' AND locked_until = $5::timestamptz`,
      [m.id, error, giveUp, wait, m.locked_until],
    );
    this.logger.warn(
      { messageId: m.id, attempts: m.attempts, error, giveUp },
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
