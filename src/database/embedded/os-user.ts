import { spawnSync } from 'node:child_process';
import { StartupError } from '../../common/startup-error';

/** A system account the embedded server runs as (PostgreSQL refuses to run as root). */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function idOf(name: string, flag: '-u' | '-g'): number | undefined {
  const out = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return out.status === 0 ? Number(out.stdout.trim()) : undefined;
}

/**
 * The `postgres` system account, created when missing (as Debian's postgresql package creates
 * it: a system user with its own group, no login shell), so that Debian's package installed later
 * adopts it.
 */
export function ensureSystemUser(name = 'postgres'): OsUser {
  if (idOf(name, '-u') === undefined) {
    const created = spawnSync(
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        name,
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0 && idOf(name, '-u') === undefined) {
      throw new StartupError(
        `running as root, and the "${name}" system user that PostgreSQL runs as cannot be created (${(created.stderr || created.error?.message || '').trim()})`,
        `create it (useradd --system --user-group ${name}), or run as an ordinary user`,
      );
    }
  }
  return { name, uid: idOf(name, '-u')!, gid: idOf(name, '-g')! };
}

/**
 * Whether `user` can reach `path` (search permission on every folder above it, and on it): asked
 * of the kernel by running `test -x` as that user, so ACLs and every rule the kernel applies count.
 */
export function canReach(user: OsUser, path: string): boolean {
  return spawnSync('test', ['-x', path], { uid: user.uid, gid: user.gid }).status === 0;
}
