/**
 * A reason the service cannot start, told to the person who started it in one line: what is
 * wrong and what to do about it. `main.ts` prints `cause — fix` and exits 1, with no stack trace.
 */
export class StartupError extends Error {
  constructor(
    /** What is wrong, with the value at fault (a path, a port, a host). */
    readonly reason: string,
    /** What to do about it. */
    readonly fix: string,
  ) {
    super(`${reason} — ${fix}`);
    this.name = 'StartupError';
  }
}

/** The `code` of a Node.js system error (EACCES, EADDRINUSE, ECONNREFUSED…), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
