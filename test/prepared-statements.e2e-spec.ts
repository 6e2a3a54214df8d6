import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { mustPrepareAgain } from '../src/common/errors/prepared-statements';
import { preparedRows } from '../src/database/sql';
import { createTestApp, TestApp } from './support/app';

/**
 * The hot path's prepared statements (database/sql.ts preparedRows) outlive a migration that
 * changes what they return: PostgreSQL refuses a prepared statement whose result type changed,
 * and the service prepares it again instead of failing on that connection for good.
 */
describe('Prepared statements after a schema change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('every authenticated request still answers once a column it reads changed type', async () => {
    const { token } = await t.userToken('AGENT');
    const me = () =>
      Promise.all(
        Array.from({ length: 30 }, () =>
          request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`),
        ),
      );
    // 30 at once: the user's re-read is prepared on many of the pool's connections
    expect((await me()).map((r) => r.status)).toEqual(Array(30).fill(200));
    await t.dataSource.query(`ALTER TABLE app_user ALTER COLUMN email TYPE varchar(320)`);
    try {
      expect((await me()).map((r) => r.status)).toEqual(Array(30).fill(200));
      expect((await me()).map((r) => r.status)).toEqual(Array(30).fill(200));
    } finally {
      await t.dataSource.query(`ALTER TABLE app_user ALTER COLUMN email TYPE varchar(254)`);
    }
  });

  it('inside a transaction: that transaction fails once, the next one prepares it again', async () => {
    await t.dataSource.query(`CREATE TABLE prepared_probe (v varchar(10))`);
    await t.dataSource.query(`INSERT INTO prepared_probe VALUES ('un')`);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    const read = async () => {
      await runner.startTransaction();
      try {
        const rows = await preparedRows<{ v: string }>(
          runner.manager,
          'SELECT v FROM prepared_probe',
        );
        await runner.commitTransaction();
        return rows;
      } catch (err) {
        await runner.rollbackTransaction();
        throw err;
      }
    };
    try {
      expect(await read()).toEqual([{ v: 'un' }]);
      await t.dataSource.query(`ALTER TABLE prepared_probe ALTER COLUMN v TYPE varchar(20)`);
      const failed = await read().catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(QueryFailedError);
      expect(mustPrepareAgain((failed as QueryFailedError).driverError)).toBe(true);
      expect(await read()).toEqual([{ v: 'un' }]);
      expect(await read()).toEqual([{ v: 'un' }]);
    } finally {
      await runner.release();
      await t.dataSource.query(`DROP TABLE prepared_probe`);
    }
  });
});
