/**
 * A prepared statement the server can no longer run as prepared: a migration changed the type of
 * a column it returns ("cached plan must not change result type"), or something deallocated it.
 * Prepared again at the next call; a request that failed on it inside a transaction may simply be
 * retried (503).
 */
export function mustPrepareAgain(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === '26000' ||
    (e.code === '0A000' && /cached plan must not change result type/.test(e.message ?? ''))
  );
}
