import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { frenchDate } from '../common/dates';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { OutboxService } from '../mail/outbox.service';
import { reminderWindow, runReminder } from '../mail/reminder';
import { Association } from './association.entity';
import { AssociationsService } from './associations.service';

/**
 * Every morning, each association whose active accreditation ends within 30 days, with no other
 * one taking over, is told once (per accreditation and end date) to renew it.
 */
@Injectable()
export class AccreditationRemindersJob {
  private readonly logger = new Logger(AccreditationRemindersJob.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly associations: AssociationsService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  @Cron('0 7 * * *', { name: 'accreditation-reminders', timeZone: 'Europe/Paris' })
  async daily(): Promise<void> {
    await runReminder(this.logger, this.config, 'Accreditation reminders', () => this.run());
  }

  /** Writes the reminders due on `today` (Paris day); returns how many messages were written. */
  async run(today?: string): Promise<number> {
    const { from, to } = reminderWindow(today);
    return this.dataSource.transaction(async (em) => {
      const ending = await queryRows<{ id: string; association_id: string; valid_until: string }>(
        em,
        `SELECT a.id, a.association_id, a.valid_until::text AS valid_until
           FROM accreditation a
          WHERE a.status = 'ACTIVE' AND a.valid_until BETWEEN $1 AND $2
            AND NOT EXISTS (
              SELECT 1 FROM accreditation b
               WHERE b.association_id = a.association_id AND b.id <> a.id AND b.status = 'ACTIVE'
                 AND b.valid_from <= a.valid_until + 1 AND b.valid_until > a.valid_until)
          ORDER BY a.valid_until, a.id`,
        [from, to],
      );
      let written = 0;
      for (const row of ending) {
        const association = await em.findOneByOrFail(Association, { id: row.association_id });
        written += await this.outbox.enqueue(
          em,
          'ACCREDITATION_EXPIRING',
          await this.associations.messageRecipients(em, association),
          {
            association: association.name,
            until: frenchDate(row.valid_until),
            contact: this.config.get('DEPARTEMENT_CONTACT') ?? 'votre interlocuteur au département',
          },
          { dedupeKey: `accreditation-expiring:${row.id}:${row.valid_until}` },
        );
      }
      return written;
    });
  }
}
