import { writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ENTITIES } from '../entities';
import { failCommand, withDataSource } from './command';
import { runMigrations } from './migrate';

/**
 * Database commands, on DATABASE_URL or on the embedded cluster under DATA_DIR:
 *   migration:run                      apply pending migrations
 *   migration:revert                   undo the last one
 *   migration:generate migrations/Name write the statements that bring the schema to the entities
 * A composition root, like main.ts: it may name the application's entities.
 */
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
  }, ENTITIES);
}

if (require.main === module) main().catch(failCommand);
