import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError } from '../errors/domain-error';

/** Body-parser failures as domain errors, so the problem filter answers them with stable codes. */
function bodyError(err: { type?: string; status?: number }): DomainError {
  switch (err.type) {
    case 'entity.parse.failed':
      return new DomainError(
        'MALFORMED_JSON',
        400,
        "Le corps de la requête n'est pas un JSON valide.",
      );
    case 'entity.too.large':
      return new DomainError(
        'PAYLOAD_TOO_LARGE',
        413,
        'Le corps de la requête est trop volumineux.',
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new DomainError(
        'UNSUPPORTED_MEDIA_TYPE',
        415,
        'Encodage du corps non pris en charge.',
      );
    default:
      return new DomainError('BAD_REQUEST', 400, 'Corps de requête illisible.');
  }
}

function wrap(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) =>
    parser(req, res, (err?: unknown) => (err ? next(bodyError(err)) : next()));
}

export function useBodyParsers(app: NestExpressApplication, limit: string): void {
  app.use(wrap(express.json({ limit })));
  app.use(wrap(express.urlencoded({ limit, extended: false })));
}
