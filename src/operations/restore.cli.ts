import { resolve } from 'node:path';
import { verifyIntegrity } from '../audit/audit-verify';
import { StartupError } from '../common/startup-error';
import { failCommand, onDataSource, withDatabaseUrl } from '../database/command';
import { restore } from './backup';

/**
 * `npm run restore -- FILE`: restores a backup into the service's database, which must be empty
 * (a new DATA_DIR, or a new database in DATABASE_URL), then verifies the audit chain and every
 * statement's sealed hash. Exit 0 restored and intact, 1 restored but not intact, 2 not restored.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new StartupError('no backup file given', 'npm run restore -- FILE');
  const result = await withDatabaseUrl(async (url) => {
    await restore(url, resolve(file));
    return onDataSource(url, verifyIntegrity);
  });
  console.log(`Restored ${resolve(file)}.`);
  console.log(
    result.ok
      ? `Audit chains intact (${result.checked} events); statements intact (${result.statementsChecked}).`
      : `NOT INTACT: audit ${result.reason ? `chain ${result.chain} broken at event ${result.firstBadId ?? '(none left)'} (${result.reason})` : 'chains intact'}; altered statements: ${result.brokenStatements.join(', ') || 'none'}.`,
  );
  if (!result.ok) process.exitCode = 1;
}

main().catch(failCommand);
