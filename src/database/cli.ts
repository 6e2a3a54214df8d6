import { writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { StartupError } from '../common/startup-error';
import { AppEnv, validateEnv } from '../config/env.validation';
import { dataSourceOptions } from './data-source-options';
import { startEmbeddedPostgres } from './embedded/embedded-postgres';
import { checkConnection } from './preflight';
import { runMigrations } from './migrate';

/**
 * Database commands, on DATABASE_URL or on the embedded cluster under DATA_DIR:
 *   migration:run                      apply pending migrations
 *   migration:revert                   undo the last one
 *   migration:generate migrations/Name write the statements that bring the schema to the entities
 */
/**
 * Runs `fn` with the URL of the service's database: DATABASE_URL, or the embedded cluster under
 * DATA_DIR (started for the command, or the one a running service already has).
 */
export async function withDatabaseUrl<T>(fn: (url: string, env: AppEnv) => Promise<T>): Promise<T> {
  const env = validateEnv(process.env);
  if (env.DATABASE_URL) {
    await checkConnection(env.DATABASE_URL, env.DATABASE_CONNECT_WAIT_SECONDS * 1000);
    return fn(env.DATABASE_URL, env);
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: env.DATA_DIR,
    systemDir: env.EMBEDDED_SYSTEM_DIR,
  });
  try {
    return await fn(embedded.url, env);
  } finally {
    await embedded.stop();
  }
}

/** Runs `fn` with a data source on `url`, closed afterwards. */
export async function onDataSource<T>(url: string, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

export async function withDataSource<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
  return withDatabaseUrl((url) => onDataSource(url, fn));
}

/** How a command ends on an error: one line, and exit code 2 (1 means "checked, and found bad"). */
export function failCommand(err: unknown): never {
  const line =
    err instanceof StartupError
      ? `${err.reason} — ${err.fix}`
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(line);
  process.exit(2);
}

function migrationSource(className: string, up: string[], down: string[]): string {
  const lines = (qs: string[]) =>
    qs
      .map((q) => `    await queryRunner.query(\`${q.replace(/[`\\]|\$\{/g, (c) => '\\' + c)}\`);`)
      .join('\n');
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

async function main(): Promise<void> {
  const [command, target] = process.argv.slice(2);
  await withDataSource(async (ds) => {
    switch (command) {
      case 'migration:run': {
        const applied = await runMigrations(ds);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migration.');
        return;
      }
      case 'migration:revert':
        await ds.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
        return;
      case 'migration:generate': {
        if (!target) throw new Error('usage: migration:generate migrations/<Name>');
        await runMigrations(ds);
        const sql = await ds.driver.createSchemaBuilder().log();
        if (sql.upQueries.length === 0) {
          console.log('Entities and migrations agree: nothing to generate.');
          return;
        }
        const timestamp = Date.now();
        const name = basename(target).replace(/[^A-Za-z0-9]/g, '');
        const file = resolve(dirname(target), `${timestamp}-${name}.ts`);
        const up = sql.upQueries.map((q) => q.query);
        const down = sql.downQueries.reverse().map((q) => q.query);
        writeFileSync(file, migrationSource(`${name}${timestamp}`, up, down));
        console.log(`Wrote ${join(dirname(target), basename(file))}`);
        return;
      }
      default:
        throw new Error(
          `unknown command "${command}": migration:run | migration:revert | migration:generate <path>`,
        );
    }
  });
}

if (require.main === module) main().catch(failCommand);
