import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { DomainError } from '../errors/domain-error';
import { COMMON_ERRORS } from '../errors/common.errors';

/** No request of this API nests deeper; deeper bodies are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * The nesting depth of a JSON text, counted on its bytes (strings and escapes skipped), stopping
 * as soon as it exceeds `max`: a body of 100,000 `[` is refused in linear time, before anything
 * recursive (parsing, validation, transformation) sees it.
 */
export function jsonDepthExceeds(buf: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Body-parser failures as domain errors, so the problem filter answers them with stable codes. */
function bodyError(err: { type?: string; status?: number }): DomainError {
  switch (err.type) {
    case 'entity.parse.failed':
      return COMMON_ERRORS.error('MALFORMED_JSON');
    case 'entity.too.large':
      return COMMON_ERRORS.error('PAYLOAD_TOO_LARGE');
    case 'entity.verify.failed':
      return COMMON_ERRORS.error('JSON_TOO_DEEP', { max: MAX_JSON_DEPTH });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return COMMON_ERRORS.error('UNSUPPORTED_MEDIA_TYPE');
    default:
      return COMMON_ERRORS.custom('BAD_REQUEST', 'Corps de requête illisible.');
  }
}

function wrap(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => (err ? next(bodyError(err)) : next()));
}

/** Largest uploaded file (a payment results file, a bank-details document). */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** An upload refused by multer, as a domain error. */
function uploadError(err: unknown): DomainError {
  if ((err as { code?: string }).code === 'LIMIT_FILE_SIZE')
    return COMMON_ERRORS.error('PAYLOAD_TOO_LARGE');
  return COMMON_ERRORS.custom(
    'BAD_REQUEST',
    'Envoi de fichier illisible : un seul fichier, champ « file ».',
  );
}

export function useBodyParsers(app: NestExpressApplication, limit: string): void {
  app.use(
    wrap(
      express.json({
        limit,
        verify: (_req, _res, buf) => {
          if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) throw new Error('JSON nested too deeply');
        },
      }),
    ),
  );
  app.use(wrap(express.urlencoded({ limit, extended: false })));
  // Files, on the routes that take one only (anywhere else a multipart or CSV body is refused
  // as an unsupported media type by validation): a CSV body (payment results)…
  app.use(
    '/api/payment-batches/:id/results',
    wrap(express.text({ type: 'text/csv', limit: MAX_UPLOAD_BYTES })),
  );
  // …and a form with one file (pages, bank-details document), parsed before the CSRF check,
  // which reads the form's token; a few short fields beside the file
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 8 * 1024 },
  }).single('file');
  app.use(
    [
      '/api/associations/:id/bank-details',
      '/admin/bordereaux/:id/paiements',
      '/admin/structures/:id/rib',
    ],
    (req: Request, res: Response, next: NextFunction) =>
      upload(req, res, (err?: unknown) => next(err ? uploadError(err) : undefined)),
  );
}
