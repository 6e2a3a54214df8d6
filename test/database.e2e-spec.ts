import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp } from './support/app';
import { embeddedClusterUrl, ServiceProcess, startService } from './support/service-process';
import { signInAt } from './support/second-factor';

jest.setTimeout(120_000);

describe('Database location (the real service, started as a process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = { DATABASE_URL: '', DATA_DIR: dataDir, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' };

  /** Runs `fn`; on failure, the error says what the service processes printed, and how they ended. */
  async function explained(fn: (started: ServiceProcess[]) => Promise<void>): Promise<void> {
    const started: ServiceProcess[] = [];
    try {
      await fn(started);
    } catch (err) {
      const report = started
        .map((p) => {
          const end = p.child.exitCode ?? p.child.signalCode ?? 'running';
          return `--- service on port ${p.port} (pid ${p.child.pid}, ${end}):\n${p.output().slice(-4000)}`;
        })
        .join('\n');
      if (err instanceof Error) {
        // jest prints the stack, which was written with the original message
        err.message += `\n${report}`;
        err.stack = `${err.stack ?? ''}\n${report}`;
      }
      throw err;
    }
  }

  it('without DATABASE_URL: embedded PostgreSQL under DATA_DIR, first admin printed once, data reused on restart, stopped on SIGTERM', () =>
    explained(async (started) => {
      const first = await startService(env);
      started.push(first);
      const [, password] = await first.waitForOutput(/password: (\S+)/);
      const token = await signInAt(first.url, { email: 'admin@localhost', password });
      await request(first.url)
        .post('/api/users')
        .set('Authorization', `Bearer ${token}`)
        .send({ email: 'kept@test.local', password: 'long-enough-password', role: 'AGENT' })
        .expect(201);
      await request(first.url).get('/api/docs').expect(200);
      // Nest closes the app, then the embedded server, then re-raises the signal.
      expect(await first.stop('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

      const second = await startService(env);
      started.push(second);
      try {
        expect(second.output()).not.toContain('First administrator created');
        // the secret kept under DATA_DIR survives the restart, so the old token still works
        const users = await request(second.url)
          .get('/api/users')
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        expect(users.body.items.map((u: { email: string }) => u.email).sort()).toEqual([
          'admin@localhost',
          'kept@test.local',
        ]);
      } finally {
        expect(await second.stop('SIGINT')).toEqual({ code: null, signal: 'SIGINT' });
        expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      }
    }));

  it('with DATABASE_URL: uses that server — here a second embedded cluster, run by another service process', async () => {
    const owner = await startService(env);
    try {
      const t = await createTestApp({ databaseUrl: embeddedClusterUrl(dataDir) });
      try {
        await request(t.http).get('/health').expect(200);
        const [{ dir }] = await t.dataSource.query(
          `SELECT current_setting('data_directory') AS dir`,
        );
        expect(dir).toBe(join(dataDir, 'postgres'));
        const users: { email: string }[] = await t.dataSource.query('SELECT email FROM app_user');
        expect(users.map((u) => u.email)).toContain('kept@test.local');
      } finally {
        await t.close();
      }
    } finally {
      await owner.stop();
    }
  });
});
