import { ENTITIES } from '../entities';
import { createInterface } from 'node:readline';
import { AuditService } from '../audit/audit.service';
import { failCommand, withDataSource } from '../database/command';
import { passwordWeakness } from '../common/password-policy';
import { ExternalIdentitiesService } from './external-identities.service';
import { UsersService } from './users.service';

/**
 * `npm run user:create-admin -- admin@departement.fr "Prénom Nom"`: an administrator created on
 * the server by its operator (the département's IT), the password read from standard input so that
 * it is in no shell history nor process list. Like the first administrator, such an account owes
 * its password to no other administrator: it can approve what any of them prepared. The ones
 * administrators create are the ones a second administrator confirms (README, separation of duties).
 */
async function main(): Promise<void> {
  const [email, displayName] = process.argv.slice(2);
  if (!email) throw new Error('usage: npm run user:create-admin -- <email> ["Display name"]');
  const password = await readPassword();
  const weakness = passwordWeakness(password, [email, displayName]);
  if (weakness) throw new Error(`this password ${weakness}`);
  const user = await withDataSource((ds) => {
    const audit = new AuditService(ds);
    return new UsersService(ds, audit, new ExternalIdentitiesService(audit)).create(null, {
      email,
      password,
      role: 'ADMIN',
      displayName: displayName ?? undefined,
    });
  }, ENTITIES);
  console.log(`Administrator created: ${user.email} (${user.id})`);
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter): ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

main().catch(failCommand);
