import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { pageChrome } from '../http/page-chrome';
import { wantsPage } from '../http/page-request';
import { assignRequestId } from '../http/request-id';
import { COMMON_ERRORS } from './common.errors';
import { DomainError } from './domain-error';
import { PROBLEM_CONTENT_TYPE, ProblemDetailsDto, problemType } from './problem-details';
import { redactSecrets } from '../http/redact';
import { mustPrepareAgain } from './prepared-statements';

interface Problem {
  status: number;
  code: string;
  detail: string;
  extra?: Record<string, unknown>;
  /** No route matched the request (not a missing object): pages say so in plain words. */
  noRoute?: boolean;
}

const HTTP_CODES: Record<number, CommonCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

type CommonCode = Parameters<typeof COMMON_ERRORS.error>[0];

/** A problem of the common catalogue: its status and sentence. */
function common(code: CommonCode, extra?: Record<string, unknown>): Problem {
  return {
    status: COMMON_ERRORS.statusOf(code),
    code,
    detail: COMMON_ERRORS.sentence(code),
    extra,
  };
}

/** PostgreSQL error classes that mean "the database is not reachable right now". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53)/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * The one place where errors become HTTP answers: every response that is not a success is
 * RFC 9457 problem+json with a stable `code`. Unexpected errors are logged with the request id
 * and answered without internals.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = assignRequestId(req, res);
    const problem = this.toProblem(exception, req);

    if (problem.status >= 500 && problem.code !== 'SERVICE_UNAVAILABLE') {
      this.logger.error(
        { err: exception, requestId, path: redactSecrets(req.originalUrl) },
        'Unhandled error',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (wantsPage(req)) {
      // Pages: a sign-in for the anonymous, a page in French for everything else.
      if (problem.status === 401) {
        res.redirect(303, `/connexion?suite=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      void this.renderPage(req, res, problem, requestId);
      return;
    }
    // The members of RFC 9457 and ours come last: an extension never overwrites them (an entity's
    // status once replaced the HTTP status).
    const body: ProblemDetailsDto = {
      ...problem.extra,
      type: problemType(problem.code),
      title: STATUS_CODES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      instance: req.originalUrl?.split('?')[0],
      requestId,
    };
    if (problem.status === 503 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '5');
    const retryAfter = problem.extra?.retryAfterSeconds;
    if (problem.status === 429 && typeof retryAfter === 'number')
      res.setHeader('Retry-After', String(retryAfter));
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }

  /** The French error page, with the signed-in header when someone is signed in. */
  private async renderPage(
    req: Request,
    res: Response,
    problem: Problem,
    requestId: string,
  ): Promise<void> {
    const chrome = await pageChrome(req);
    res.status(problem.status).render('error', {
      ...chrome,
      title:
        problem.status === 404
          ? 'Page introuvable'
          : problem.status === 403
            ? 'Accès refusé'
            : 'Erreur',
      status: problem.status,
      // no route matched: a sentence for people, not the method and path
      detail: problem.noRoute
        ? "Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse, ou repartez de l'accueil."
        : problem.detail,
      code: problem.code,
      requestId,
    });
  }

  private toProblem(exception: unknown, req: Request): Problem {
    if (exception instanceof DomainError) {
      return {
        status: exception.status,
        code: exception.code,
        detail: exception.detail,
        extra: exception.extra,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code: CommonCode =
        HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
      if (status === 404 && exception.message.startsWith('Cannot ')) {
        return {
          status,
          code,
          detail: `Aucune route ne correspond à ${req.method} ${req.path}.`,
          noRoute: true,
        };
      }
      return { status, code, detail: COMMON_ERRORS.sentence(code) };
    }
    if (exception instanceof QueryFailedError) {
      const fromDb = this.fromPostgres(exception.driverError as PgError);
      if (fromDb) return fromDb;
    }
    const maybePg = (
      exception instanceof QueryFailedError ? exception.driverError : exception
    ) as PgError;
    if (this.isUnavailable(maybePg)) {
      return common('SERVICE_UNAVAILABLE');
    }
    return common('INTERNAL_ERROR');
  }

  private fromPostgres(err: PgError): Problem | undefined {
    switch (err?.code) {
      case '23505':
        return common('CONFLICT', err.constraint ? { constraint: err.constraint } : {});
      case '23503':
        return common('REFERENCE_CONFLICT', err.constraint ? { constraint: err.constraint } : {});
      case '23514':
        return common('CONSTRAINT_VIOLATED', err.constraint ? { constraint: err.constraint } : {});
      case '22P02':
      case '22007':
      case '22008':
      case '22003':
      case '22001':
      case '22021':
        return common('INVALID_VALUE');
      case '40001':
      case '40P01':
        return common('CONCURRENT_UPDATE');
      default:
        return undefined;
    }
  }

  private isUnavailable(err: PgError): boolean {
    if (!err || typeof err !== 'object') return false;
    // TypeORM releases a transaction's connection when the server cuts it; later queries of the
    // same transaction — its COMMIT among them, never sent — then fail with one of these errors.
    // Nothing was committed: the database is gone.
    if (err instanceof QueryRunnerProviderAlreadyReleasedError) return true;
    if (err instanceof QueryRunnerAlreadyReleasedError) return true;
    // a prepared statement outdated by a migration: prepared again at the next call
    if (mustPrepareAgain(err)) return true;
    if (typeof err.code === 'string') {
      if (UNAVAILABLE_NODE_CODES.has(err.code)) return true;
      if (UNAVAILABLE_SQLSTATE.test(err.code)) return true;
    }
    const message = typeof err.message === 'string' ? err.message : '';
    return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    );
  }
}

interface PgError {
  code?: string;
  constraint?: string;
  message?: string;
}
