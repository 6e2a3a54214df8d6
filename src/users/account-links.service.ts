import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isSecretKey, newSecretKey, secretKeyHash } from '../common/secret-keys';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, ROLE_LABELS } from '../common/access/role';
import { frenchDateTime } from '../common/dates';
import { hashPassword } from '../common/passwords';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { OutboxService } from '../mail/outbox.service';
import { clientNetwork, digest as keyDigest, LOGIN_KEYS } from '../security/login-keys';
import { RateLimiter } from '../security/rate-limiter.service';
import { AccountChange } from './account-change.entity';
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
export class AccountLinksService implements OnApplicationShutdown {
  private readonly logger = new Logger(AccountLinksService.name);
  /** Reset requests being written after their answer (see requestReset). */
  private readonly inFlight = new Set<Promise<void>>();

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
   * "Mot de passe oublié": a reset link (valid 1 h) to an active account's address, the same
   * answer whether the address has an account or not. Limited per IP and per address (429,
   * counted before anything else); the link and its message are then written after the answer,
   * so that its time does not tell whether the account exists either.
   */
  async requestReset(email: string, ip: string | undefined): Promise<void> {
    const normalized = email.trim().toLowerCase();
    await this.limiter.consume(
      [`reset:ip:${clientNetwork(ip)}`, `reset:email:${keyDigest(normalized)}`],
      this.config.get('PASSWORD_RESET_LIMIT'),
      3600,
    );
    const work = this.writeReset(normalized, ip)
      .catch((err: unknown) => this.logger.error({ err }, 'Password reset not written'))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Resolves once every reset request answered so far is written (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  private async writeReset(email: string, ip: string | undefined): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const found = await em.findOneBy(User, { email, active: true });
      if (!found) return;
      // the account locked: two requests at once leave one valid link, not two
      const user = await this.users.lockUser(em, found.id);
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
    const em = this.dataSource.manager;
    const link = await this.find(em, secret, false);
    const user = await em.findOneByOrFail(User, { id: link.userId });
    return this.viewOf(em, link, user);
  }

  /**
   * The holder of the link chooses the account's password: the link is used up, the account's
   * other links end, every session and every count of failed sign-ins of the account end. Nobody
   * is recorded as having chosen it but the holder.
   */
  async use(secret: string, password: string): Promise<LinkView> {
    // the password's strength is checked before the slow hash, on the account it is for
    const preview = await this.view(secret);
    assertPasswordAllowed(password, { email: preview.email });
    const passwordHash = await hashPassword(password);
    const view = await this.dataSource.transaction(async (em) => {
      // the account first, then its link: the order every change of an account takes
      const { userId } = await this.find(em, secret, false);
      const user = await this.users.lockUser(em, userId);
      const link = await this.find(em, secret, true);
      const seen = await this.viewOf(em, link, user);
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
      await this.users.endLinks(em, user.id);
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
      return seen;
    });
    await this.limiter.clear(LOGIN_KEYS.accountPrefixes(view.email));
    return view;
  }

  /**
   * What the link's page shows; refused for a deactivated account (an invited administrator
   * awaiting a second administrator's confirmation is inactive too, and may choose it).
   */
  private async viewOf(em: EntityManager, link: AccountLink, user: User): Promise<LinkView> {
    const awaitsConfirmation =
      !user.active &&
      (await em.existsBy(AccountChange, {
        userId: user.id,
        kind: 'ADMIN_CREATION',
        status: 'PENDING',
      }));
    if (!user.active && !awaitsConfirmation)
      throw USER_ERRORS.custom(
        'LINK_INVALID',
        'Ce compte est désactivé : ce lien ne sert plus. Adressez-vous à l’administrateur du Pass numérique.',
      );
    return {
      purpose: link.purpose,
      email: user.email,
      expiresAt: link.expiresAt,
      awaitsConfirmation,
    };
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
    const secret = newSecretKey();
    const [row] = await queryRows<{ expires_at: Date }>(
      em,
      `INSERT INTO account_link (user_id, purpose, token_hash, expires_at, created_by)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) RETURNING expires_at`,
      [user.id, purpose, secretKeyHash(secret), VALIDITY[purpose] / 1000, createdBy],
    );
    return { secret, expiresAt: row.expires_at };
  }

  private async find(em: EntityManager, secret: string, lock: boolean): Promise<AccountLink> {
    const link = isSecretKey(secret)
      ? await em.findOne(AccountLink, {
          where: { tokenHash: secretKeyHash(secret) },
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
