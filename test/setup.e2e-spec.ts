import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { clusterDirOf, freePort } from '../src/database/embedded/embedded-postgres';
import { adminUrl, createTestDatabase, superuserQuery } from './support/database';
import { runUntilExit, startService } from './support/service-process';
import { signInAt } from './support/second-factor';

jest.setTimeout(180_000);

/** The one line a failed start ends with, and no stack trace anywhere in what it printed. */
function expectOneClearLine(
  run: { code: number | null; output: string; stderr: string },
  fragment: RegExp,
): void {
  expect(run.code).toBe(1);
  // The logs go to stdout; what a person reads last on the terminal is this line on stderr.
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[lines.length - 1]).toMatch(/^Pass numérique cannot start: .+ — .+/);
  expect(lines[lines.length - 1]).toMatch(fragment);
  expect(run.output).not.toMatch(/\n\s+at \S.*[(:]\d+/);
}

describe('Set-up: any folder, any user', () => {
  const root = mkdtempSync(join(tmpdir(), 'pn-setup-'));
  chmodSync(root, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('DATA_DIR inside a 0700 folder: the service starts, says where the database lives, keeps its data, and changes nothing above DATA_DIR', async () => {
    // As a home folder is: 0700, owned by the user running the service.
    const home = join(root, 'home');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const dataDir = join(home, 'app', '.data');
    // Where root keeps what the postgres user must reach (the default is /var/lib/pass-numerique).
    const systemDir = join(root, 'system');
    mkdirSync(systemDir, { mode: 0o755 });
    const env = {
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      EMBEDDED_SYSTEM_DIR: systemDir,
      ADMIN_EMAIL: 'admin@setup.test',
      ADMIN_PASSWORD: 'a-long-admin-password',
      LOG_LEVEL: 'info',
    };
    const first = await startService(env);
    const asRoot = userInfo().uid === 0;
    try {
      const [, where] = await first.waitForOutput(
        /Embedded PostgreSQL running, its files in ([^"]+)"/,
      );
      const cluster = clusterDirOf(dataDir);
      expect(where.startsWith(cluster)).toBe(true);
      if (asRoot) {
        // The postgres user cannot enter the 0700 folder: the cluster lives in the system folder.
        expect(cluster.startsWith(join(systemDir, 'clusters'))).toBe(true);
        expect(where).toContain('the postgres user cannot reach DATA_DIR');
        expect(statSync(cluster).uid).not.toBe(0);
      } else {
        expect(cluster).toBe(join(dataDir, 'postgres'));
      }
      const token = await signInAt(
        first.url,
        { email: 'admin@setup.test', password: 'a-long-admin-password' },
        dataDir,
      );
      await request(first.url)
        .post('/api/users')
        .set('Authorization', `Bearer ${token}`)
        .send({ email: 'kept@setup.test', password: 'long-enough-password', role: 'AGENT' })
        .expect(201);
    } finally {
      await first.stop('SIGTERM');
    }
    expect(existsSync(join(clusterDirOf(dataDir), 'postmaster.pid'))).toBe(false);

    const second = await startService(env);
    try {
      const token = await signInAt(
        second.url,
        { email: 'admin@setup.test', password: 'a-long-admin-password' },
        dataDir,
      );
      const users = await request(second.url)
        .get('/api/users')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(users.body.items.map((u: { email: string }) => u.email)).toContain('kept@setup.test');
    } finally {
      await second.stop('SIGTERM');
    }
    // Never loosened: the home folder is still 0700 and holds only the app folder.
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(readdirSync(home)).toEqual(['app']);
    // Outside DATA_DIR, only the system folder was used, and only as root.
    expect(readdirSync(systemDir).length > 0).toBe(asRoot);
  });

  describe('a start that cannot succeed ends with one line naming the cause and the fix, exit 1', () => {
    const base = { ADMIN_EMAIL: '', ADMIN_PASSWORD: '', DATABASE_CONNECT_WAIT_SECONDS: '1' };
    let databaseUrl: string;
    beforeAll(async () => {
      databaseUrl = await createTestDatabase('setup');
    });

    it('the port is in use', async () => {
      const busy = createServer();
      const port = await freePort();
      await new Promise<void>((r) => busy.listen(port, r));
      try {
        const run = await runUntilExit({ ...base, DATABASE_URL: databaseUrl, PORT: String(port) });
        expectOneClearLine(run, new RegExp(`port ${port} is already in use .*PORT=`));
      } finally {
        busy.close();
      }
    });

    it('DATA_DIR cannot be written', async () => {
      const file = join(root, 'a-file');
      writeFileSync(file, '');
      const run = await runUntilExit({ ...base, DATABASE_URL: '', DATA_DIR: join(file, 'data') });
      expectOneClearLine(run, /DATA_DIR .*a-file\/data cannot be written .*set DATA_DIR/);
    });

    it('DATABASE_URL: nothing answers', async () => {
      const port = await freePort();
      const run = await runUntilExit({
        ...base,
        DATABASE_URL: `postgres://someone:secret@127.0.0.1:${port}/pass_numerique`,
      });
      expectOneClearLine(run, new RegExp(`no PostgreSQL answers at 127.0.0.1:${port}`));
      expect(run.output).not.toContain('secret');
    });

    it('DATABASE_URL: wrong password', async () => {
      const url = new URL(databaseUrl);
      url.password = 'not-the-password';
      const run = await runUntilExit({ ...base, DATABASE_URL: url.toString() });
      expectOneClearLine(run, /refused user "[^"]+" .*correct the user and password/);
      expect(run.output).not.toContain('not-the-password');
    });

    it('an invalid setting', async () => {
      const run = await runUntilExit({ ...base, DATABASE_URL: databaseUrl, PORT: 'eighty' });
      expectOneClearLine(run, /invalid setting: PORT: .*correct the environment variable/);
    });

    it('a database migrated by a newer version of the service', async () => {
      const url = await createTestDatabase('newer');
      await superuserQuery(
        url,
        `CREATE TABLE typeorm_migration (id serial PRIMARY KEY, timestamp bigint NOT NULL, name varchar NOT NULL);
         INSERT INTO typeorm_migration (timestamp, name) VALUES (2999999999999, 'FromTheFuture2999999999999')`,
      );
      const run = await runUntilExit({ ...base, DATABASE_URL: url });
      expectOneClearLine(
        run,
        /migrated by a newer version .*FromTheFuture2999999999999.*npm run restore/,
      );
      // nothing was applied on top of it
      const tables = await superuserQuery<{ n: string }>(
        url,
        `SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables[0].n).toBe('1');
    });

    it('an embedded database made by another PostgreSQL major version', async () => {
      const dataDir = join(root, 'old-data');
      mkdirSync(join(dataDir, 'postgres'), { recursive: true, mode: 0o700 });
      writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
      const run = await runUntilExit({ ...base, DATABASE_URL: '', DATA_DIR: dataDir });
      expectOneClearLine(
        run,
        /made by PostgreSQL 18; this version of the service runs PostgreSQL 15/,
      );
    });
  });

  describe('what another user could change never steers what the launcher creates or deletes', () => {
    const base = { ADMIN_EMAIL: '', ADMIN_PASSWORD: '', DATABASE_URL: '' };
    const asRoot = userInfo().uid === 0;
    /** A start on that DATA_DIR, with the system folder of this test run. */
    const startWith = (dataDir: string) =>
      runUntilExit({ ...base, DATA_DIR: dataDir, EMBEDDED_SYSTEM_DIR: join(root, 'system') });

    it('a folder where the database should go that is not a cluster: refused, and left as it was', async () => {
      const dataDir = join(root, 'occupied');
      mkdirSync(join(dataDir, 'postgres'), { recursive: true });
      writeFileSync(join(dataDir, 'postgres', 'precious.txt'), 'keep me');
      const run = await startWith(dataDir);
      expectOneClearLine(
        run,
        /postgres is not empty and holds no PostgreSQL database — move it away/,
      );
      expect(readdirSync(join(dataDir, 'postgres'))).toEqual(['precious.txt']);
    });

    (asRoot ? it : it.skip)(
      'as root: a DATA_DIR inside a folder another user owns is refused',
      async () => {
        const theirs = join(root, 'theirs');
        mkdirSync(theirs, { mode: 0o755 });
        chownSync(theirs, 65534, 65534);
        const run = await startWith(join(theirs, 'data'));
        expectOneClearLine(
          run,
          /DATA_DIR .* is not safe for root: .*theirs can be changed by another user/,
        );
      },
    );

    (asRoot ? it : it.skip)(
      'as root: a postgres-location file naming another folder is refused, and that folder untouched',
      async () => {
        const dataDir = join(root, 'forged');
        mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        const victim = join(root, 'victim');
        mkdirSync(victim, { mode: 0o755 });
        writeFileSync(join(victim, 'file'), 'x');
        writeFileSync(join(dataDir, 'postgres-location'), `${victim}\n`);
        const run = await startWith(dataDir);
        expectOneClearLine(
          run,
          /postgres-location names .*victim, but this DATA_DIR's database would be/,
        );
        expect(statSync(victim).uid).toBe(0);
        expect(statSync(victim).mode & 0o777).toBe(0o755);
        expect(readdirSync(victim)).toEqual(['file']);
      },
    );

    (asRoot ? it : it.skip)(
      'as root: a symbolic link where the cluster goes is refused, its target untouched',
      async () => {
        const dataDir = join(root, 'linked');
        mkdirSync(dataDir, { recursive: true, mode: 0o755 });
        const target = join(root, 'target');
        mkdirSync(target, { mode: 0o755 });
        symlinkSync(target, join(dataDir, 'postgres'));
        const run = await startWith(dataDir);
        expectOneClearLine(run, /postgres is a symbolic link/);
        expect(statSync(target).uid).toBe(0);
        expect(statSync(target).mode & 0o777).toBe(0o755);
      },
    );

    (asRoot ? it.skip : it)(
      'not root: a DATA_DIR whose database is kept for root is refused (not a new empty database)',
      async () => {
        const dataDir = join(root, 'roots');
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(join(dataDir, 'postgres-location'), '/var/lib/pass-numerique/clusters/x-0\n');
        const run = await runUntilExit({ ...base, DATA_DIR: dataDir });
        expectOneClearLine(run, /kept for root in .* — start the service as root/);
      },
    );
  });

  it('the test cluster itself is reachable (guards the URLs above)', async () => {
    expect((await superuserQuery(adminUrl(), 'SELECT 1 AS one'))[0]).toEqual({ one: 1 });
  });
});
