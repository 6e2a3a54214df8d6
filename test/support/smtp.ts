import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: ParsedMail;
}

/**
 * A real SMTP server on loopback (the `smtp-server` package), started by the test: it keeps
 * every message it accepts, parsed by `mailparser`. It can be stopped and started again on the
 * same port (an outage), and made to refuse some recipients with a 5xx answer.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Recipients refused permanently (550). */
  readonly refuse = new Set<string>();
  /** Errors the server reported about its sessions (none expected in these tests). */
  readonly errors: Error[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  private create(): SMTPServer {
    const options: SMTPServerOptions = {
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address.toLowerCase())) {
          const err = new Error('mailbox unavailable') as Error & { responseCode: number };
          err.responseCode = 550;
          callback(err);
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({
              messageId: mail.messageId ?? '',
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              raw: mail,
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    };
    return new SMTPServer(options);
  }

  /**
   * Listens on loopback: a free port the first time, the same port when started again. If another
   * process took that port meanwhile (short-lived test servers pick free ports too), it is tried
   * again for a few seconds, then the start fails loudly rather than leaving the tests without a
   * server.
   */
  async start(): Promise<this> {
    if (this.server) throw new Error('the test SMTP server is already running');
    const deadline = Date.now() + 5000;
    for (;;) {
      const server = this.create();
      // errors of the server's connections (a client hanging up) are kept for the tests, never thrown
      server.on('error', (err: Error) => this.errors.push(err));
      try {
        await new Promise<void>((resolve, reject) => {
          server.server.once('error', reject);
          server.server.listen(this.port, '127.0.0.1', () => {
            server.server.removeListener('error', reject);
            resolve();
          });
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || this.port === 0 || Date.now() > deadline)
          throw new Error(
            `the test SMTP server could not listen on port ${this.port}: ${String(err)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      this.port = (server.server.address() as AddressInfo).port;
      this.server = server;
      return this;
    }
  }

  /** Stops listening and ends the open sessions (an outage). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
