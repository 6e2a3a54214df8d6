import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp } from './support/app';
import { embeddedClusterUrl, startService } from './support/service-process';

jest.setTimeout(120_000);

describe('Database location (the real service, started as a process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = { DATABASE_URL: '', DATA_DIR: dataDir, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' };

  it('without DATABASE_URL: embedded PostgreSQL under DATA_DIR, first admin printed once, data reused on restart, stopped on SIGTERM', async () => {
    const first = await startService(env);
    const [, password] = await first.waitForOutput(/password: (\S+)/);
    const login = await request(first.url)
      .post('/api/auth/login')
      .send({ email: 'admin@localhost', password })
      .expect(200);
    const token = login.body.accessToken as string;
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
  });

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
