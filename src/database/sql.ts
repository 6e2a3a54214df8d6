import { EntityManager, QueryFailedError } from 'typeorm';

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
