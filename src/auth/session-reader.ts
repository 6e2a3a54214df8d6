import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { SESSION_COOKIE } from '../common/access/decorators';
import type { Actor, Role } from '../common/access/role';
import { UsersService } from '../users/users.service';

export interface TokenPayload {
  sub: string;
  role: Role;
  /** the user's token version when the token was issued */
  ver: number;
}

/** Who a request comes from: nobody, a token that does not verify, a revoked one, or an actor. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'invalid' }
  | { kind: 'revoked' }
  | { kind: 'actor'; actor: Actor };

/**
 * The one reading of a request's credentials (bearer token or session cookie): the access guard
 * decides with it, and the error pages use it to show who is signed in.
 */
@Injectable()
export class SessionReader {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  async caller(req: Request): Promise<Caller> {
    const token = this.token(req);
    if (!token) return { kind: 'anonymous' };
    let payload: TokenPayload;
    try {
      payload = await this.jwt.verifyAsync<TokenPayload>(token, { algorithms: ['HS256'] });
    } catch {
      return { kind: 'invalid' };
    }
    const actor = await this.users.findActor(payload.sub, payload.ver);
    return actor ? { kind: 'actor', actor } : { kind: 'revoked' };
  }

  private token(req: Request): string | undefined {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, value] = header.split(' ');
      return scheme?.toLowerCase() === 'bearer' && value ? value : undefined;
    }
    const cookies = req.cookies as Record<string, string> | undefined;
    return cookies?.[SESSION_COOKIE];
  }
}
