import type { NestExpressApplication } from '@nestjs/platform-express';
import { doubleCsrf } from 'csrf-csrf';
import type { NextFunction, Request, Response } from 'express';
import { createHmac } from 'node:crypto';
import { SESSION_COOKIE } from '../common/access/decorators';
import { isPagePath, wantsPage } from '../common/http/page-request';
import { AppConfig } from '../config/app-config';
import { PAGE_ERRORS } from './page.errors';

export const CSRF_COOKIE = 'pn_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * CSRF protection (csrf-csrf, double submit cookie bound to the session): every request that
 * changes something and carries the session cookie must send the token — forms in a hidden
 * `_csrf` field, the pages' scripts in an `X-CSRF-Token` header. Requests with a bearer token
 * (API clients: no ambient cookie authority) and anonymous API calls are not concerned; the login
 * form is. Each page gets its token in `res.locals.csrfToken`.
 */
export function useCsrf(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  const secret = createHmac('sha256', config.get('JWT_SECRET')).update('csrf').digest('hex');
  const secure = config.get('PUBLIC_BASE_URL').startsWith('https://');
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.cookies as Record<string, string>)?.[SESSION_COOKIE] ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) =>
      req.headers[CSRF_HEADER] ??
      ((req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string | undefined),
    skipCsrfProtection: (req) =>
      Boolean(req.headers.authorization) ||
      (!isPagePath(req) && !(req.cookies as Record<string, string>)?.[SESSION_COOKIE]),
  });
  app.use((req: Request, res: Response, next: NextFunction) =>
    doubleCsrfProtection(req, res, (err?: unknown) =>
      next(err ? PAGE_ERRORS.error('CSRF_TOKEN_INVALID') : undefined),
    ),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    // every page rendered, also one shown again after a refused form or a preview, and the error
    // page of a document opened from a page (its header has the sign-out form)
    if (isPagePath(req) || wantsPage(req)) {
      res.locals.csrfToken = generateCsrfToken(req, res, { overwrite: false });
    }
    next();
  });
}
