import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ILike, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { hashPassword } from '../common/passwords';
import { passwordWeakness } from '../common/password-policy';
import { Actor, Role } from '../common/access/role';
import { DomainError } from '../common/errors/domain-error';
import { NotFoundError, ValidationFailedError } from '../common/errors/common.errors';
import { Page, pageOf } from '../common/pagination';
import { preparedRows, queryRows, violatedConstraint } from '../database/sql';
import { CreateUserDto, InviteUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDto } from './dto/user.dto';
import { UserQueryDto } from './dto/user-query.dto';
import { AccountChange, AccountChangeKind } from './account-change.entity';
import { assertTwoPeople, recordPasswordSetter } from './four-eyes';
import { User } from './user.entity';
import { ExternalIdentitiesService } from './external-identities.service';
import { UserSite } from './user-site.entity';
import { USER_ERRORS } from './user.errors';

/** The confirming administrator is a second person: not someone who could sign in as `other`. */
async function assertSecondAdmin(em: EntityManager, other: string, confirmer: string) {
  await assertTwoPeople(em, other, confirmer, 'Cette modification').catch((err: unknown) => {
    throw err instanceof DomainError ? USER_ERRORS.error('SECOND_ADMIN_REQUIRED') : err;
  });
}

/**
 * Refuses a password too short or too easy to guess for this account (its e-mail and name count
 * as known words), as an error on `field`.
 */
export function assertPasswordAllowed(
  password: string,
  account: { email: string; displayName?: string | null },
  field = 'password',
): void {
  const weakness = passwordWeakness(password, [account.email, account.displayName]);
  if (weakness)
    throw ValidationFailedError.field(
      field,
      'password is too short or too easy to guess (zxcvbn score below 3)',
      weakness,
    );
}

/** What an audit event may show of a user: never the password hash. */
export function auditView(u: User) {
  return {
    email: u.email,
    displayName: u.displayName,
    jobTitle: u.jobTitle,
    role: u.role,
    associationId: u.associationId,
    active: u.active,
    tokenVersion: u.tokenVersion,
  };
}

/** Another feature's part of a confirmed change, in its transaction (the account locked). */
export type ChangeApplier = (
  em: EntityManager,
  confirmer: Actor,
  user: User,
  change: AccountChange,
) => Promise<void>;

@Injectable()
export class UsersService {
  /** What confirming a change does that another feature owns (kind → its part, in the same transaction). */
  private readonly appliers = new Map<AccountChangeKind, ChangeApplier>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly identities: ExternalIdentitiesService,
  ) {}

  /**
   * The feature that owns what a kind of change touches (the second factor's tables for
   * ADMIN_SECOND_FACTOR_RESET) says how to apply it; a change without its applier is never
   * confirmed.
   */
  onChangeConfirmed(kind: AccountChangeKind, apply: ChangeApplier): void {
    this.appliers.set(kind, apply);
  }

  /**
   * Asks for a change of `user` (locked by the caller) that a second administrator must confirm;
   * at most one waits per account.
   */
  async requestAccountChange(
    em: EntityManager,
    actor: Actor,
    user: User,
    // the others are asked through create() and update(), which hold their rules
    kind: 'ADMIN_SECOND_FACTOR_RESET',
  ): Promise<AccountChange> {
    return this.requestChange(em, actor, user, kind, null);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ email: email.trim().toLowerCase() });
  }

  /** The caller behind a token, if the account is active and the token not revoked. */
  async findActor(id: string, tokenVersion: number): Promise<Actor | null> {
    // Runs on every authenticated request: one indexed row, plain SQL, prepared once per connection.
    const [user] = await preparedRows<{
      id: string;
      role: Role;
      association_id: string | null;
      email: string;
      active: boolean;
      token_version: number;
      site_ids: string[];
    }>(
      this.dataSource.manager,
      `SELECT u.id, u.role, u.association_id, u.email, u.active, u.token_version,
              CASE WHEN u.role = 'PRESCRIBER' THEN ARRAY(SELECT s.site_id::text FROM user_site s WHERE s.user_id = u.id ORDER BY s.site_id) ELSE '{}' END AS site_ids
         FROM app_user u WHERE u.id = $1`,
      [id],
    );
    if (!user || !user.active || user.token_version !== tokenVersion) return null;
    return {
      id: user.id,
      role: user.role,
      associationId: user.association_id,
      siteIds: user.site_ids,
      email: user.email,
    };
  }

  /** A sign-in, audited with how it was proved (`method`: first step and second factor). */
  async recordLogin(user: User, method: { via: string; secondFactor: string }): Promise<User> {
    return this.dataSource.transaction(async (em) => {
      user.lastLoginAt = new Date();
      await em.update(User, { id: user.id }, { lastLoginAt: user.lastLoginAt });
      await this.audit.record(em, this.asActor(user), {
        action: 'auth.login',
        entityType: 'user',
        entityId: user.id,
        after: method,
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
    assertPasswordAllowed(dto.password, dto);
    const passwordHash = await hashPassword(dto.password);
    return this.dataSource.transaction(
      async (em) => (await this.insert(em, actor, dto, passwordHash)).dto,
    );
  }

  /**
   * A new account, in the caller's transaction: with a password chosen by `actor`, or (invited)
   * none until its holder chooses one. Either way `actor` is recorded as having had the account
   * in hand (they chose the password, or the mailbox the link went to): separation of duties
   * counts them as possibly the same person.
   */
  async insert(
    em: EntityManager,
    actor: Actor | null,
    dto: InviteUserDto,
    passwordHash: string | null,
  ): Promise<{ user: User; dto: UserDto }> {
    try {
      const user = em.create(User, {
        email: dto.email.trim().toLowerCase(),
        displayName: dto.displayName ?? null,
        jobTitle: dto.jobTitle ?? null,
        passwordHash,
        role: dto.role,
        associationId: dto.role === 'ASSOCIATION' ? (dto.associationId ?? null) : null,
        // A new administrator created by another one waits for a second one's confirmation.
        active: !(actor && dto.role === 'ADMIN'),
      });
      if (dto.role !== 'ASSOCIATION' && dto.associationId) {
        throw ValidationFailedError.field(
          'associationId',
          'associationId is only for role ASSOCIATION',
          'ne se choisit que pour le rôle Structure',
        );
      }
      await em.save(user);
      const siteIds = await this.setSites(em, user, dto.siteIds ?? []);
      await recordPasswordSetter(em, user.id, actor?.id ?? null);
      const pending =
        actor && dto.role === 'ADMIN'
          ? await this.requestChange(em, actor, user, 'ADMIN_CREATION', null)
          : null;
      await this.audit.record(em, actor, {
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: {
          ...auditView(user),
          siteIds,
          pendingChange: pending?.kind ?? null,
          invited: passwordHash === null,
        },
      });
      return { user, dto: UserDto.from(user, pending, siteIds) };
    } catch (err) {
      const constraint = violatedConstraint(err);
      if (constraint === 'uq_app_user_email') throw USER_ERRORS.error('EMAIL_TAKEN');
      if (constraint === 'fk_app_user_association')
        throw ValidationFailedError.field(
          'associationId',
          'unknown association',
          'structure inconnue',
        );
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
    const pending = await this.dataSource.manager.find(AccountChange, {
      where: { userId: In(result[0].map((u) => u.id)), status: 'PENDING' },
    });
    const byUser = new Map(pending.map((c) => [c.userId, c]));
    const sites = await this.sitesOf(
      this.dataSource.manager,
      result[0].map((u) => u.id),
    );
    const linked = await this.identities.linkedUsers(
      this.dataSource.manager,
      result[0].map((u) => u.id),
    );
    return pageOf(query, result, (u) =>
      UserDto.from(u, byUser.get(u.id) ?? null, sites.get(u.id) ?? [], linked.has(u.id)),
    );
  }

  /**
   * How people are named on pages and documents: their name (else their e-mail) and their
   * e-mail, by id (unknown ids are left out).
   */
  async people(
    ids: Iterable<string | null | undefined>,
  ): Promise<Map<string, { name: string; email: string }>> {
    const wanted = [...new Set([...ids].filter((id): id is string => !!id))];
    if (wanted.length === 0) return new Map();
    const users = await this.dataSource.getRepository(User).findBy({ id: In(wanted) });
    return new Map(users.map((u) => [u.id, { name: u.displayName || u.email, email: u.email }]));
  }

  /** The names alone (see people). */
  async names(ids: Iterable<string | null | undefined>): Promise<Map<string, string>> {
    const people = await this.people(ids);
    return new Map([...people].map(([id, p]) => [id, p.name]));
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    if (!user) throw new NotFoundError('Utilisateur', id);
    const sites = await this.sitesOf(this.dataSource.manager, [id]);
    return UserDto.from(
      user,
      await this.pendingChange(this.dataSource.manager, id),
      sites.get(id) ?? [],
      (await this.identities.linkedUsers(this.dataSource.manager, [id])).has(id),
    );
  }

  /** The distribution sites of these users, by user. */
  private async sitesOf(em: EntityManager, userIds: string[]): Promise<Map<string, string[]>> {
    const rows = await em.find(UserSite, {
      where: { userId: In(userIds) },
      order: { siteId: 'ASC' },
    });
    const byUser = new Map<string, string[]>();
    for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.siteId]);
    return byUser;
  }

  /**
   * Replaces a user's distribution sites: a prescriber has at least one (it acts only on them), an
   * agent may have some (its usual sites), nobody else any.
   */
  private async setSites(em: EntityManager, user: User, siteIds: string[]): Promise<string[]> {
    if (user.role === 'PRESCRIBER' && siteIds.length === 0)
      throw ValidationFailedError.field(
        'siteIds',
        'a prescriber works at one site at least',
        'un prescripteur travaille dans un lieu de remise au moins',
      );
    if (user.role !== 'PRESCRIBER' && user.role !== 'AGENT' && siteIds.length > 0)
      throw ValidationFailedError.field(
        'siteIds',
        'only agents and prescribers have sites',
        'seuls les agents et les prescripteurs ont des lieux de remise',
      );
    const known = await queryRows<{ id: string }>(
      em,
      'SELECT id FROM distribution_site WHERE id = ANY($1::uuid[]) AND active',
      [siteIds],
    );
    if (known.length !== siteIds.length)
      throw ValidationFailedError.field(
        'siteIds',
        'unknown or closed distribution site',
        'lieu de remise inconnu ou fermé',
      );
    await em.delete(UserSite, { userId: user.id });
    const sorted = [...siteIds].sort();
    if (sorted.length)
      await em.insert(
        UserSite,
        sorted.map((siteId) => ({ userId: user.id, siteId })),
      );
    return sorted;
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserDto> {
    if (dto.active === false && id === actor.id) {
      throw USER_ERRORS.error('CANNOT_DEACTIVATE_SELF');
    }
    const passwordHash = dto.password ? await hashPassword(dto.password) : undefined;
    return this.dataSource.transaction(async (em) => {
      const user = await this.lockUser(em, id);
      if (dto.password !== undefined) assertPasswordAllowed(dto.password, user);
      const before = auditView(user);
      // Giving an administrator's powers back, or another administrator's password: a request
      // that a second administrator confirms (confirmChange); what else was asked applies now.
      const privileged = user.role === 'ADMIN' && user.id !== actor.id;
      const reactivate = dto.active === true && !user.active;
      let pending: AccountChange | null = null;
      if (privileged && (reactivate || passwordHash)) {
        pending = await this.requestChange(
          em,
          actor,
          user,
          reactivate ? 'ADMIN_REACTIVATION' : 'ADMIN_PASSWORD_RESET',
          passwordHash ?? null,
        );
      } else {
        if (reactivate) user.active = true;
        if (passwordHash) {
          user.passwordHash = passwordHash;
          // whoever chooses a password can sign in with it; the owner changing theirs adds no one
          await recordPasswordSetter(em, user.id, actor.id);
        }
      }
      if (dto.active === false) {
        user.active = false;
        // a deactivated account's pending change is withdrawn: confirming it later applies nothing
        const waiting = await this.pendingChange(em, user.id);
        if (waiting) await this.decide(em, waiting, actor, 'CANCELLED');
      }
      if (dto.displayName !== undefined) user.displayName = dto.displayName;
      if (dto.jobTitle !== undefined) user.jobTitle = dto.jobTitle;
      const sitesBefore = (await this.sitesOf(em, [user.id])).get(user.id) ?? [];
      const siteIds =
        dto.siteIds !== undefined ? await this.setSites(em, user, dto.siteIds) : sitesBefore;
      const revoke = (before.active && !user.active) || (passwordHash !== undefined && !pending);
      if (revoke) {
        user.tokenVersion += 1;
        await this.endLinks(em, user.id);
      }
      await em.save(user);
      await this.audit.record(em, actor, {
        action: pending
          ? 'user.change_requested'
          : passwordHash
            ? 'user.password_reset'
            : 'user.updated',
        entityType: 'user',
        entityId: user.id,
        before: { ...before, siteIds: sitesBefore },
        after: { ...auditView(user), siteIds, pendingChange: pending?.kind ?? null },
      });
      return UserDto.from(user, pending ?? (await this.pendingChange(em, user.id)), siteIds);
    });
  }

  /** A second administrator — neither the requester nor the account, nor anyone who could sign in as them — applies the pending change. */
  async confirmChange(actor: Actor, id: string, changeId?: string): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const user = await this.lockUser(em, id);
      const change = await this.lockPendingChange(em, id);
      // the change the confirmer read, not another asked meanwhile
      if (changeId !== undefined && change.id !== changeId)
        throw USER_ERRORS.error('ACCOUNT_CHANGE_REPLACED');
      if (actor.id === user.id) throw USER_ERRORS.error('SECOND_ADMIN_REQUIRED');
      await assertSecondAdmin(em, change.requestedBy, actor.id);
      await assertSecondAdmin(em, user.id, actor.id);
      const before = auditView(user);
      const applier = this.appliers.get(change.kind);
      const owned = change.kind === 'ADMIN_SECOND_FACTOR_RESET';
      if (owned && !applier) throw new Error(`no applier for ${change.kind}`);
      if (change.kind === 'ADMIN_CREATION' || change.kind === 'ADMIN_REACTIVATION')
        user.active = true;
      if (change.passwordHash) {
        user.passwordHash = change.passwordHash;
        await recordPasswordSetter(em, user.id, change.requestedBy);
      }
      if (change.kind !== 'ADMIN_CREATION') {
        user.tokenVersion += 1;
        await this.endLinks(em, user.id);
      }
      await em.save(user);
      await applier?.(em, actor, user, change);
      await this.decide(em, change, actor, 'CONFIRMED');
      await this.audit.record(em, actor, {
        action: 'user.change_confirmed',
        entityType: 'user',
        entityId: user.id,
        before: { ...before, pendingChange: change.kind, requestedBy: change.requestedBy },
        after: { ...auditView(user), pendingChange: null },
      });
      return UserDto.from(user, null);
    });
  }

  /** The requester, or another administrator, withdraws a pending change (nothing is applied). */
  async cancelChange(actor: Actor, id: string): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const user = await this.lockUser(em, id);
      const change = await this.lockPendingChange(em, id);
      if (actor.id === user.id) throw USER_ERRORS.error('SECOND_ADMIN_REQUIRED');
      await this.decide(em, change, actor, 'CANCELLED');
      await this.audit.record(em, actor, {
        action: 'user.change_cancelled',
        entityType: 'user',
        entityId: user.id,
        before: { pendingChange: change.kind, requestedBy: change.requestedBy },
        after: { pendingChange: null },
      });
      return UserDto.from(user, null);
    });
  }

  private async requestChange(
    em: EntityManager,
    actor: Actor,
    user: User,
    kind: AccountChangeKind,
    passwordHash: string | null,
  ): Promise<AccountChange> {
    if (await this.pendingChange(em, user.id)) throw USER_ERRORS.error('ACCOUNT_CHANGE_PENDING');
    return em.save(
      em.create(AccountChange, {
        userId: user.id,
        kind,
        passwordHash,
        status: 'PENDING',
        requestedBy: actor.id,
        decidedBy: null,
        decidedAt: null,
      }),
    );
  }

  /** Closes a pending change, its new password's hash erased. */
  private async decide(
    em: EntityManager,
    change: AccountChange,
    actor: Actor,
    status: 'CONFIRMED' | 'CANCELLED',
  ): Promise<void> {
    Object.assign(change, {
      status,
      decidedBy: actor.id,
      decidedAt: new Date(),
      passwordHash: null,
    });
    await em.save(change);
  }

  private pendingChange(em: EntityManager, userId: string): Promise<AccountChange | null> {
    return em.findOneBy(AccountChange, { userId, status: 'PENDING' });
  }

  private async lockPendingChange(em: EntityManager, userId: string): Promise<AccountChange> {
    const change = await em.findOne(AccountChange, {
      where: { userId, status: 'PENDING' },
      lock: { mode: 'pessimistic_write' },
    });
    if (!change) throw USER_ERRORS.error('NO_PENDING_CHANGE', { of: 'de ce compte' });
    return change;
  }

  /**
   * Ends every unused link (invitation, reset) of the account: on deactivation, when a password
   * is chosen, by link or by an administrator.
   */
  async endLinks(em: EntityManager, userId: string): Promise<void> {
    await em.query(
      `UPDATE account_link SET expires_at = now()
        WHERE user_id = $1 AND used_at IS NULL AND expires_at > now()`,
      [userId],
    );
  }

  /**
   * The addresses of the active accounts of these roles (of one association, when given) that can
   * sign in (a password chosen, or an identity provider): whom a message to "the administrators",
   * "the agents" or "the association's staff" goes to.
   */
  async activeEmails(
    em: EntityManager,
    roles: Role[],
    associationId: string | null = null,
  ): Promise<string[]> {
    const rows = await queryRows<{ email: string }>(
      em,
      `SELECT u.email FROM app_user u
        WHERE u.role = ANY($1) AND u.active AND ($2::uuid IS NULL OR u.association_id = $2)
          AND (u.password_hash IS NOT NULL
               OR EXISTS (SELECT 1 FROM external_identity x WHERE x.user_id = u.id))
        ORDER BY u.email`,
      [roles, associationId],
    );
    return rows.map((r) => r.email);
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(User).count();
  }

  /** Ends every session of the account (locked by the caller, who audits why). */
  async endSessions(em: EntityManager, user: User): Promise<void> {
    user.tokenVersion += 1;
    await em.update(User, { id: user.id }, { tokenVersion: user.tokenVersion });
  }

  async lockUser(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw new NotFoundError('Utilisateur', id);
    return user;
  }

  asActor(user: User): Actor {
    return {
      id: user.id,
      role: user.role,
      associationId: user.associationId,
      siteIds: [],
      email: user.email,
    };
  }
}
