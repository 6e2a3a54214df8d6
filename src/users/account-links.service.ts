import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, ROLE_LABELS } from '../common/access/role';
import { frenchDateTime } from '../common/dates';
import { hashPassword } from '../common/passwords';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { OutboxService } from '../mail/outbox.service';
import { RateLimiter } from '../security/rate-limiter.service';
import { AccountLink, AccountLinkPurpose } from './account-link.entity';
import { InviteUserDto } from './dto/create-user.dto';
import { UserDto } from './dto/user.dto';
import { User } from './user.entity';
import { USER_ERRORS } from './user.errors';
import { assertPasswordAllowed, auditView, UsersService } from './users.service';

const HOUR = 3600_000;
const VALIDITY: Record<AccountLinkPurpose, number> = {
  INVITATION: 72 * HOUR,
  PASSWORD_RESET: 1 * HOUR,
};

/** A link's secret: 256 random bits, in the URL; only its SHA-256 is kept. */
const newSecret = () => randomBytes(32).toString('base64url');
const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
/** Only what a secret can look like is looked up. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What the link's page shows before its holder chooses a password. */
export interface LinkView {
  purpose: AccountLinkPurpose;
  email: string;
  expiresAt: Date;
  /** An administrator's account stays inactive until a second administrator confirms it. */
  awaitsConfirmation: boolean;
}

/**
 * Invitations and password resets by e-mail: single-use links, written with their message in
 * the transaction of the action (a rolled-back invitation sends nothing), used once to choose a
 * password. Nobody but the holder of the mailbox learns the password.
 */
@Injectable()
export class AccountLinksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  /** An account created without a password, and its invitation sent (valid 72 h). */
  async invite(actor: Actor, dto: InviteUserDto): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const { user, dto: created } = await this.users.insert(em, actor, dto, null);
      await this.sendInvitation(em, actor, user);
      return created;
    });
  }

  /** A new invitation for an account whose holder has not chosen a password; the older link ends. */
  async reinvite(actor: Actor, userId: string): Promise<UserDto> {
    return this.dataSource.transaction(async (em) => {
      const user = await this.users.lockUser(em, userId);
      if (user.passwordHash !== null) throw USER_ERRORS.error('ALREADY_HAS_PASSWORD');
      await this.sendInvitation(em, actor, user);
      await this.audit.record(em, actor, {
        action: 'user.invitation_sent',
        entityType: 'user',
        entityId: user.id,
        after: { email: user.email },
      });
      return this.users.get(user.id);
    });
  }

  /**
   * "Mot de passe oublié": a reset link (valid 1 h) to an active account's address; the same
   * silence whether the address has an account or not. Limited per IP and per address (429).
   */
  async requestReset(email: string, ip: string | undefined): Promise<void> {
    const normalized = email.trim().toLowerCase();
    await this.limiter.consume(
      [`reset:ip:${ip ?? 'unknown'}`, `reset:email:${normalized}`],
      this.config.get('PASSWORD_RESET_LIMIT'),
      3600,
    );
    await this.dataSource.transaction(async (em) => {
      const user = await em.findOneBy(User, { email: normalized, active: true });
      if (!user) return;
      const { secret, expiresAt } = await this.issue(em, user, 'PASSWORD_RESET', null);
      await this.outbox.enqueue(
        em,
        'PASSWORD_RESET',
        user.email,
        { link: this.url(secret), expires: frenchDateTime(expiresAt) },
        { sensitive: true, expiresAt },
      );
      await this.audit.record(em, null, {
        action: 'user.password_reset_requested',
        entityType: 'user',
        entityId: user.id,
        after: { ip: ip ?? null, expiresAt: expiresAt.toISOString() },
      });
    });
  }

  /** The link's account and purpose, if it may still be used. */
  async view(secret: string): Promise<LinkView> {
    const link = await this.find(this.dataSource.manager, secret, false);
    const user = await this.dataSource.manager.findOneByOrFail(User, { id: link.userId });
    return {
      purpose: link.purpose,
      email: user.email,
      expiresAt: link.expiresAt,
      awaitsConfirmation: !user.active,
    };
  }

  /**
   * The holder of the link chooses the account's password: the link is used up, every session
   * of the account ends. Nobody is recorded as having chosen it but the holder.
   */
  async use(secret: string, password: string): Promise<LinkView> {
    // the password's strength is checked before the slow hash, on the account it is for
    const preview = await this.view(secret);
    assertPasswordAllowed(password, { email: preview.email });
    const passwordHash = await hashPassword(password);
    return this.dataSource.transaction(async (em) => {
      const link = await this.find(em, secret, true);
      const user = await this.users.lockUser(em, link.userId);
      const before = auditView(user);
      user.passwordHash = passwordHash;
      user.tokenVersion += 1;
      await em.save(user);
      // used once: the database's clock decides, in the row's own update
      const used = await queryRows(
        em,
        `UPDATE account_link SET used_at = now()
          WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING id`,
        [link.id],
      );
      if (used.length !== 1) throw USER_ERRORS.error('LINK_INVALID');
      await this.audit.record(em, this.users.asActor(user), {
        action:
          link.purpose === 'INVITATION'
            ? 'user.invitation_accepted'
            : 'user.password_reset_by_link',
        entityType: 'user',
        entityId: user.id,
        before,
        after: { ...auditView(user), linkId: link.id },
      });
      return {
        purpose: link.purpose,
        email: user.email,
        expiresAt: link.expiresAt,
        awaitsConfirmation: !user.active,
      };
    });
  }

  private async sendInvitation(em: EntityManager, actor: Actor, user: User): Promise<void> {
    const { secret, expiresAt } = await this.issue(em, user, 'INVITATION', actor.id);
    const inviter = await em.findOneByOrFail(User, { id: actor.id });
    await this.outbox.enqueue(
      em,
      'INVITATION',
      user.email,
      {
        inviter: inviter.displayName || inviter.email,
        role: ROLE_LABELS[user.role],
        link: this.url(secret),
        expires: frenchDateTime(expiresAt),
      },
      { sensitive: true, expiresAt },
    );
  }

  /** A new link; the account's older unused ones of the same purpose end now. */
  private async issue(
    em: EntityManager,
    user: User,
    purpose: AccountLinkPurpose,
    createdBy: string | null,
  ): Promise<{ secret: string; expiresAt: Date }> {
    await em.query(
      `UPDATE account_link SET expires_at = now()
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [user.id, purpose],
    );
    const secret = newSecret();
    const [row] = await queryRows<{ expires_at: Date }>(
      em,
      `INSERT INTO account_link (user_id, purpose, token_hash, expires_at, created_by)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING expires_at`,
      [user.id, purpose, digest(secret), VALIDITY[purpose] / 1000, createdBy],
    );
    return { secret, expiresAt: row.expires_at };
  }

  private async find(em: EntityManager, secret: string, lock: boolean): Promise<AccountLink> {
    const link = SECRET_SHAPE.test(secret)
      ? await em.findOne(AccountLink, {
          where: { tokenHash: digest(secret) },
          lock: lock ? { mode: 'pessimistic_write' } : undefined,
        })
      : null;
    if (!link) throw USER_ERRORS.error('LINK_INVALID');
    if (link.usedAt)
      throw USER_ERRORS.custom(
        'LINK_INVALID',
        'Ce lien a déjà servi. Pour changer à nouveau de mot de passe, utilisez « Mot de passe oublié ».',
      );
    if (link.expiresAt <= new Date())
      throw USER_ERRORS.custom(
        'LINK_INVALID',
        link.purpose === 'INVITATION'
          ? 'Cette invitation a expiré. Demandez à l’administrateur de vous en envoyer une nouvelle.'
          : 'Ce lien a expiré. Demandez-en un nouveau depuis « Mot de passe oublié ».',
      );
    return link;
  }

  private url(secret: string): string {
    return `${this.config.get('PUBLIC_BASE_URL')}/compte/lien/${secret}`;
  }
}
