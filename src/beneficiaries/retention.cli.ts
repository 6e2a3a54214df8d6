import { ENTITIES } from '../entities';
import { ConfigService } from '@nestjs/config';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import type { AppEnv } from '../config/env.validation';
import { validateEnv } from '../config/env.validation';
import { withDataSource } from '../database/command';
import { PersonalDataService } from './personal-data.service';

/** `npm run retention:run`: the retention job, now, outside the service. Audited like the job. */
async function main(): Promise<void> {
  const config = new AppConfig(new ConfigService<AppEnv, true>(validateEnv(process.env)));
  const result = await withDataSource(
    (ds) => new PersonalDataService(ds, new AuditService(ds), config).runRetention(null),
    ENTITIES,
  );
  console.log(
    `Retention (${config.get('PERSONAL_DATA_RETENTION_YEARS')} years after each programme's claim deadline): ${result.erased} beneficiaries erased on ${result.today}.`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
