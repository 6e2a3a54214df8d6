import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ILike } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { hashPassword } from '../auth/passwords';
import { Actor, Role } from '../auth/role';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
} from '../common/errors/domain-error';
import { Page, pageOf } from '../common/pagination';
import { queryRows, violatedConstraint } from '../database/sql';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDto } from './dto/user.dto';
import { UserQueryDto } from './dto/user-query.dto';
import { User } from './user.entity';

/** What an audit event may show of a user: never the password hash. */
function auditView(u: User) {
  return {
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    associationId: u.associationId,
    active: u.active,
    tokenVersion: u.tokenVersion,
  };
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  findByEmail(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ email: email.trim().toLowerCase() });
  }

  /** The caller behind a token, if the account is active and the token not revoked. */
  async findActor(id: string, tokenVersion: number): Promise<Actor | null> {
    // Runs on every authenticated request: one indexed row, plain SQL.
    const [user] = await queryRows<{
      id: string;
      role: Role;
      association_id: string | null;
      email: string;
      active: boolean;
      token_version: number;
    }>(
      this.dataSource.manager,
      'SELECT id, role, association_id, email, active, token_version FROM app_user WHERE id = $1',
      [id],
    );
    if (!user || !user.active || user.token_version !== tokenVersion) return null;
    return { id: user.id, role: user.role, associationId: user.association_id, email: user.email };
  }

  async recordLogin(user: User): Promise<User> {
    return this.dataSource.transaction(async (em) => {
      user.lastLoginAt = new Date();
      await em.update(User, { id: user.id }, { lastLoginAt: user.lastLoginAt });
      await this.audit.record(em, this.asActor(user), {
        action: 'auth.login',
        entityType: 'user',
        entityId: user.id,
      });
      return user;
    });
  }

  async revokeSessions(actor: Actor, action: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const user = await this.lockUser(em, actor.id);
      const before = auditView(user);
      user.tokenVersion += 1;
      await em.save(user);
      await this.audit.record(em, actor, {
        action,
        entityType: 'user',
        entityId: user.id,
        before,
        after: auditView(user),
      });
    });
  }

  async create(actor: Actor | null, dto: CreateUserDto): Promise<UserDto> {
    const passwordHash = await hashPassword(dto.password);
    try {
      return await this.dataSource.transaction(async (em) => {
        const user = em.create(User, {
          email: dto.email.trim().toLowerCase(),
          displayName: dto.displayName ?? null,
          passwordHash,
          role: dto.role,
          associationId: dto.role === 'ASSOCIATION' ? (dto.associationId ?? null) : null,
          active: true,
        });
        if (dto.role !== 'ASSOCIATION' && dto.associationId) {
          throw new DomainError(
            'VALIDATION_FAILED',
            400,
            'associationId is only for role ASSOCIATION.',
            {
              errors: [
                { field: 'associationId', message: 'associationId is only for role ASSOCIATION' },
              ],
            },
          );
        }
        await em.save(user);
        await this.audit.record(em, actor, {
          action: 'user.created',
          entityType: 'user',
          entityId: user.id,
          after: auditView(user),
        });
        return UserDto.from(user);
      });
    } catch (err) {
      const constraint = violatedConstraint(err);
      if (constraint === 'uq_app_user_email') {
        throw new ConflictError('Un compte existe déjà avec cette adresse e-mail.', 'EMAIL_TAKEN');
      }
      if (constraint === 'fk_app_user_association') {
        throw ValidationFailedError.field('associationId', 'unknown association');
      }
      throw err;
    }
  }

  async list(query: UserQueryDto): Promise<Page<UserDto>> {
    const result = await this.dataSource.getRepository(User).findAndCount({
      where: {
        role: query.role,
        active: query.active,
        email: query.email
          ? ILike(`%${query.email.replace(/[\\%_]/g, (c) => '\\' + c)}%`)
          : undefined,
      },
      order: { email: 'ASC' },
      skip: query.offset,
      take: query.pageSize,
    });
    return pageOf(query, result, (u) => UserDto.from(u));
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw new NotFoundError('Utilisateur', id);
    return UserDto.from(user);
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserDto> {
    if (dto.active === false && id === actor.id) {
      throw new DomainError(
        'CANNOT_DEACTIVATE_SELF',
        422,
        'Vous ne pouvez pas désactiver votre propre compte.',
      );
    }
    const passwordHash = dto.password ? await hashPassword(dto.password) : undefined;
    return this.dataSource.transaction(async (em) => {
      const user = await this.lockUser(em, id);
      const before = auditView(user);
      const revoke = (dto.active === false && user.active) || passwordHash !== undefined;
      if (dto.active !== undefined) user.active = dto.active;
      if (dto.displayName !== undefined) user.displayName = dto.displayName;
      if (passwordHash) user.passwordHash = passwordHash;
      if (revoke) user.tokenVersion += 1;
      await em.save(user);
      await this.audit.record(em, actor, {
        action: passwordHash ? 'user.password_reset' : 'user.updated',
        entityType: 'user',
        entityId: user.id,
        before,
        after: auditView(user),
      });
      return UserDto.from(user);
    });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(User).count();
  }

  private async lockUser(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw new NotFoundError('Utilisateur', id);
    return user;
  }

  private asActor(user: User): Actor {
    return { id: user.id, role: user.role, associationId: user.associationId, email: user.email };
  }
}
