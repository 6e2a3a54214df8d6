import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../common/errors/common.errors';
import { PUBLIC_KEY, ROLES_KEY } from '../common/access/decorators';
import { Actor, Role } from '../common/access/role';
import { SessionReader } from './session-reader';

/**
 * Global guard, deny by default: a route is reachable only if it is @Public() or declares
 * @Roles(...) and the caller's token is valid, not revoked, and its user active with one of them.
 * The user is re-read on each request so deactivation and logout take effect at once.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionReader,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = context.switchToHttp().getRequest<Request & { user?: Actor }>();
    const caller = await this.sessions.caller(req);
    if (caller.kind === 'anonymous') throw new UnauthenticatedError();
    if (caller.kind === 'invalid') throw new UnauthenticatedError('Jeton invalide ou expiré.');
    if (caller.kind === 'revoked')
      throw new UnauthenticatedError('Session révoquée ou compte désactivé.');
    req.user = caller.actor;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.includes(caller.actor.role)) throw new ForbiddenError();
    return true;
  }
}
