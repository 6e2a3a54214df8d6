import { Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppConfig } from '../config/app-config';

export interface Envelope {
  /** Stable across attempts, so that a receiving server can tell a resend of the same message. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** Why a send failed, and whether trying again may help (a 5xx answer will not). */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** nodemailer over SMTP_URL; none without it (messages then wait in the outbox). */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly transporter: Transporter | null;

  constructor(private readonly config: AppConfig) {
    const url = config.get('SMTP_URL');
    this.transporter = url
      ? nodemailer.createTransport({
          url,
          // an attempt never outlasts the worker's claim on the message (see MailWorker)
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        } as SMTPTransport.Options)
      : null;
  }

  get configured(): boolean {
    return this.transporter !== null;
  }

  async send(envelope: Envelope): Promise<void> {
    if (!this.transporter) throw new SendFailure('SMTP_URL is not set', false);
    try {
      await this.transporter.sendMail({
        from: this.config.get('MAIL_FROM'),
        to: envelope.to,
        subject: envelope.subject,
        text: envelope.text,
        html: envelope.html ?? undefined,
        messageId: envelope.messageId,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      const e = err as { responseCode?: number; message?: string; code?: string };
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      const detail = [e.responseCode, e.code, e.message].filter(Boolean).join(' ');
      throw new SendFailure(detail.slice(0, 500) || 'send failed', permanent);
    }
  }

  onModuleDestroy(): void {
    this.transporter?.close();
  }
}
