import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export const MIGRATIONS_TABLE = 'typeorm_migration';

/** The entity classes, given by the application root (`src/entities.ts`): this folder names no feature. */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

/** The one definition of how the application talks to PostgreSQL. */
export function dataSourceOptions(url: string, entities: EntityList): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: 'pass-numerique',
    extra: {
      max: 20,
      connectionTimeoutMillis: 3000,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
    },
  };
}
