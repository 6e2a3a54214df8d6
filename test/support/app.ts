import type { INestApplication, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { UsersService } from '../../src/users/users.service';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import type { Role } from '../../src/common/access/role';
import { createTestDatabase } from './database';
import { Post, signInApi } from './second-factor';

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<INestApplication['getHttpServer']>;
  dataSource: DataSource;
  databaseUrl: string;
  /** Logs in (with the second step when asked, PHONE keyed by databaseUrl) and returns the token. */
  login(email: string, password: string): Promise<string>;
  adminToken(): Promise<string>;
  /**
   * A new independent administrator (as `npm run user:create-admin` makes), signed in once through
   * the API, which set up its authenticator app (PHONE): each test that signs administrators in
   * through the pages can have its own, never waiting for the next 30-second code.
   */
  newAdmin(): Promise<{ email: string; password: string; id: string; token: string }>;
  /** Creates a user through the API (as admin) and returns its token. */
  userToken(
    role: Role,
    extra?: {
      associationId?: string;
      siteIds?: string[];
      email?: string;
      displayName?: string;
      jobTitle?: string;
    },
  ): Promise<{ token: string; id: string; email: string }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * The real application (same module, same configureApp as main.ts) on a fresh database of the
 * test cluster, with migrations run at start like in production.
 */
export async function createTestApp(
  options: { env?: Record<string, string>; controllers?: Type[]; databaseUrl?: string } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'pn-app-')),
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    TOTP_KEY: 'test-totp-key-test-totp-key-test-totp-key-0123',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_BASE_URL: 'http://pass.test',
    ...options.env,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(env)],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  configureApp(app);
  await app.init();
  const http = app.getHttpServer();
  const dataSource = app.get(DataSource);

  const post: Post = async (path, body) => {
    const res = await request(http).post(path).send(body);
    return { status: res.status, body: res.body as unknown };
  };
  // an administrator sets up an authenticator app at the first sign-in: the tests' phone keeps it
  const login = (email: string, password: string): Promise<string> =>
    signInApi(post, databaseUrl, { email, password });
  let admin: string | undefined;
  const adminToken = async () => (admin ??= await login(ADMIN_EMAIL, ADMIN_PASSWORD));

  return {
    app,
    http,
    dataSource,
    databaseUrl,
    login,
    adminToken,
    async newAdmin() {
      const email = `admin-${++counter}-${Date.now()}@test.local`;
      const password = `password-ADMIN-${counter}-long`;
      const user = await app.get(UsersService).create(null, { email, password, role: 'ADMIN' });
      return { email, password, id: user.id, token: await login(email, password) };
    },
    async userToken(role, extra = {}) {
      const email = extra.email ?? `${role.toLowerCase()}-${++counter}-${Date.now()}@test.local`;
      const password = `password-${role}-${counter}-long`;
      if (role === 'ADMIN') {
        // An independent administrator, as `npm run user:create-admin` makes on the server (one
        // created by another administrator waits for a second one's confirmation).
        const user = await app.get(UsersService).create(null, {
          email,
          password,
          role,
          displayName: extra.displayName,
          jobTitle: extra.jobTitle,
        });
        return { token: await login(email, password), id: user.id, email };
      }
      const res = await request(http)
        .post('/api/users')
        .set('Authorization', `Bearer ${await adminToken()}`)
        .send({
          email,
          password,
          role,
          ...(extra.associationId ? { associationId: extra.associationId } : {}),
          ...(extra.siteIds ? { siteIds: extra.siteIds } : {}),
          ...(extra.displayName ? { displayName: extra.displayName } : {}),
          ...(extra.jobTitle ? { jobTitle: extra.jobTitle } : {}),
        });
      if (res.status !== 201)
        throw new Error(`create user failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { token: await login(email, password), id: (res.body as { id: string }).id, email };
    },
    close: () => app.close(),
  };
}
