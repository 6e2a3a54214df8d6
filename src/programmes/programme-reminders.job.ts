import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { frenchDate } from '../common/dates';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { UsersService } from '../users/users.service';
import { OutboxService } from '../mail/outbox.service';
import { reminderWindow, runReminder } from '../mail/reminder';

/**
 * Every morning, when a programme's cheques stop being redeemable within 30 days, the agents and
 * prescribers who hand out its booklets are told once (per programme and end date).
 */
@Injectable()
export class ProgrammeRemindersJob {
  private readonly logger = new Logger(ProgrammeRemindersJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  @Cron('0 7 * * *', { name: 'programme-reminders', timeZone: 'Europe/Paris' })
  async daily(): Promise<void> {
    await runReminder(this.logger, this.config, 'Programme reminders', () => this.run());
  }

  /** Writes the reminders due on `today` (Paris day); returns how many messages were written. */
  async run(today?: string): Promise<number> {
    const { from, to } = reminderWindow(today);
    return this.dataSource.transaction(async (em) => {
      const ending = await queryRows<{ id: string; name: string; expires_on: string }>(
        em,
        `SELECT id, name, expires_on::text AS expires_on FROM programme
          WHERE closed_at IS NULL AND expires_on BETWEEN $1 AND $2 ORDER BY expires_on, id`,
        [from, to],
      );
      if (ending.length === 0) return 0;
      const staff = await this.users.activeEmails(em, ['AGENT', 'PRESCRIBER']);
      let written = 0;
      for (const p of ending)
        written += await this.outbox.enqueue(
          em,
          'PROGRAMME_ENDING',
          staff,
          {
            programme: p.name,
            expires: frenchDate(p.expires_on),
            link: `${this.config.get('PUBLIC_BASE_URL')}/stock`,
          },
          { dedupeKey: `programme-ending:${p.id}:${p.expires_on}` },
        );
      return written;
    });
  }
}
