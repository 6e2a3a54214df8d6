import { createHash } from 'node:crypto';
import { DatabaseError, type Pool, type PoolClient } from 'pg';
import { EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { mustPrepareAgain } from '../common/errors/prepared-statements';

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
 * Per connection, how many times its prepared statements had to be given up: a statement is
 * prepared again under a new name (the old one stays unused on the server until the connection
 * ends).
 */
const generations = new WeakMap<PoolClient, number>();

/**
 * `queryRows` for a statement of a hot path (each redemption, each authenticated request), as a
 * named prepared statement of its connection: PostgreSQL parses, analyses and (after its first
 * custom plans, when a generic one costs no more) plans it once per connection instead of at every
 * call. For fixed texts only (the name is the text's hash, so two texts never share one).
 *
 * Inside a transaction it runs on the transaction's connection, otherwise on one of the pool's.
 * After a schema change that alters what a statement returns, the server refuses the prepared
 * one: outside a transaction it is prepared again and run once more; inside, the transaction
 * fails this once and the connection prepares it again next time (the redemption's statements
 * return only types no migration changes: booleans, numbers, json, uuid arrays). Errors are
 * TypeORM's (QueryFailedError), as for every other statement, so `violatedConstraint` reads them.
 */
export async function preparedRows<T>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  let base = preparedNames.get(text);
  if (!base) {
    base = 'pn_' + createHash('sha256').update(text).digest('hex').slice(0, 24);
    preparedNames.set(text, base);
  }
  const run = async (client: PoolClient): Promise<T[]> => {
    const generation = generations.get(client) ?? 0;
    const name = generation ? `${base}_${generation}` : base;
    try {
      return (await client.query<T & object>({ name, text, values: params })).rows;
    } catch (err) {
      if (mustPrepareAgain(err)) generations.set(client, generation + 1);
      throw err;
    }
  };
  try {
    const runner = em.queryRunner;
    if (runner) {
      if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
      return await run((await runner.connect()) as PoolClient);
    }
    const client = await ((em.connection.driver as PostgresDriver).master as Pool).connect();
    // a client out of the pool is ours to watch, as pg-pool's own query() does: a connection lost
    // meanwhile is an 'error' event that would otherwise end the process; such a client, or one
    // whose statement failed short of an answer from the server, is destroyed, not given back
    let lost: Error | undefined;
    const onError = (err: Error) => (lost = err);
    client.on('error', onError);
    try {
      return await run(client).catch((err: unknown) => {
        if (mustPrepareAgain(err)) return run(client);
        if (!(err instanceof DatabaseError)) lost ??= err as Error;
        throw err;
      });
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  } catch (err) {
    if (err instanceof QueryRunnerAlreadyReleasedError) throw err;
    throw new QueryFailedError(text, params, err as Error);
  }
}
