import { join, resolve } from 'node:path';
import { failCommand, withDatabaseUrl } from '../database/command';
import { backup } from './backup';

/**
 * `npm run backup [-- DIR]`: a consistent dump of the service's database (DATABASE_URL, or the
 * embedded cluster under DATA_DIR, running or not) into DIR (default DATA_DIR/backups).
 */
async function main(): Promise<void> {
  const made = await withDatabaseUrl((url, env) =>
    backup(url, process.argv[2] ? resolve(process.argv[2]) : join(env.DATA_DIR, 'backups')),
  );
  console.log(`Backup written: ${made.file} (${made.bytes} bytes, sha256 ${made.sha256})`);
}

main().catch(failCommand);
