import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { PersonalDataService } from './personal-data.service';

/** Every night, personal data past its retention period is erased (one instance at a time). */
@Injectable()
export class RetentionJob {
  private readonly logger = new Logger(RetentionJob.name);

  constructor(
    private readonly personalData: PersonalDataService,
    private readonly config: AppConfig,
  ) {}

  @Cron('0 3 * * *', { name: 'personal-data-retention', timeZone: 'Europe/Paris' })
  async run(): Promise<void> {
    if (!this.config.get('RETENTION_JOB_ENABLED')) return;
    try {
      const result = await this.personalData.runRetention(null);
      this.logger.log(`Retention: ${result.erased} beneficiaries erased`);
    } catch (err) {
      this.logger.error({ err }, 'Retention job failed; it will run again tomorrow');
    }
  }
}
