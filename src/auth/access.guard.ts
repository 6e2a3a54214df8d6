import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../common/errors/common.errors';
import { UsersService } from '../users/users.service';
import { PUBLIC_KEY, ROLES_KEY, SESSION_COOKIE } from '../common/access/decorators';
import { Actor, Role } from '../common/access/role';

export interface TokenPayload {
  sub: string;
  role: Role;
  /** the user's token version when the token was issued */
  ver: number;
}

/**
 * Global guard, deny by default: a route is reachable only if it is @Public() or declares
 * @Roles(...) and the caller's token is valid, not revoked, and its user active with one of them.
 * The user is re-read on each request so deactivation and logout take effect at once.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = context.switchToHttp().getRequest<Request & { user?: Actor }>();
    const token = this.extractToken(req);
    if (!token) throw new UnauthenticatedError();
    let payload: TokenPayload;
    try {
      payload = await this.jwt.verifyAsync<TokenPayload>(token, { algorithms: ['HS256'] });
    } catch {
      throw new UnauthenticatedError('Jeton invalide ou expiré.');
    }
    const actor = await this.users.findActor(payload.sub, payload.ver);
    if (!actor) throw new UnauthenticatedError('Session révoquée ou compte désactivé.');
    req.user = actor;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || !roles.includes(actor.role)) throw new ForbiddenError();
    return true;
  }

  private extractToken(req: Request): string | undefined {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, value] = header.split(' ');
      return scheme?.toLowerCase() === 'bearer' && value ? value : undefined;
    }
    const cookies = req.cookies as Record<string, string> | undefined;
    return cookies?.[SESSION_COOKIE];
  }
}
