import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiExtension } from '@nestjs/swagger';
import { ApiProblems } from '../http/api-problems';
import { Actor, Role } from './role';

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';
export const SESSION_COOKIE = 'pn_session';

/**
 * Who may call a route. Every route declares it (the access guard denies routes that do not);
 * the roles are also written into the OpenAPI document as `x-roles`.
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiCookieAuth(SESSION_COOKIE),
    ApiExtension('x-roles', roles),
    ApiProblems(401, 403),
  );

/** No authentication needed. */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension('x-roles', ['PUBLIC']));

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<{ user?: Actor }>();
  if (!req.user) throw new Error('CurrentUser used on a route without authentication');
  return req.user;
});
