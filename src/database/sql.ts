import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { EntityManager, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The name of the constraint a failed statement violated, if any. */
export function violatedConstraint(err: unknown): string | undefined {
  return err instanceof QueryFailedError
    ? (err.driverError as { constraint?: string }).constraint
    : undefined;
}

/**
 * Runs SQL and returns its rows. TypeORM answers UPDATE/DELETE … RETURNING as [rows, count] but
 * SELECT and INSERT as rows; this gives rows in every case.
 */
export async function queryRows<T>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result: unknown = await em.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** Prepared statement names by text: a hash of each text once, not at every call. */
const preparedNames = new Map<string, string>();

/**
 * `queryRows` for a statement of a hot path (each redemption, each authenticated request), as a
 * named prepared statement of its connection: PostgreSQL parses, analyses and (after its first
 * custom plans, when a generic one costs no more) plans it once per connection instead of at every
 * call. The name is the text's hash, so two texts never share one. Inside a transaction it runs on
 * the transaction's connection, otherwise on any of the pool's. Errors are TypeORM's
 * (QueryFailedError), as for every other statement, so `violatedConstraint` reads them alike.
 */
export async function preparedRows<T>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  let name = preparedNames.get(text);
  if (!name) {
    name = 'pn_' + createHash('sha256').update(text).digest('hex').slice(0, 24);
    preparedNames.set(text, name);
  }
  const runner = em.queryRunner;
  const target: PoolClient | Pool = runner
    ? ((await runner.connect()) as PoolClient)
    : ((em.connection.driver as PostgresDriver).master as Pool);
  try {
    return (await target.query<T & object>({ name, text, values: params })).rows;
  } catch (err) {
    throw new QueryFailedError(text, params, err as Error);
  }
}
