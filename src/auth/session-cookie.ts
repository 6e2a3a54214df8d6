import type { Response } from 'express';
import { SESSION_COOKIE } from '../common/access/decorators';

/** The login cookie: HttpOnly, SameSite=Lax, Secure when the service is reached over HTTPS. */
export function setSessionCookie(
  res: Response,
  token: string,
  ttlSeconds: number,
  secure: boolean,
) {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: ttlSeconds * 1000,
  });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}
