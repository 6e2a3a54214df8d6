import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const ACCEPTED_INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The request id: the caller's X-Request-Id when it is a sane token (so a reverse proxy's id
 * follows the request), otherwise a fresh UUID. Echoed back in the response header.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as IncomingMessage & { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && ACCEPTED_INCOMING_ID.test(incoming) ? incoming : randomUUID();
  (req as IncomingMessage & { id?: string }).id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}
