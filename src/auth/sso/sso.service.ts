import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isSecretKey, newSecretKey, secretKeyHash } from '../../common/secret-keys';
import { DataSource, EntityManager } from 'typeorm';
import { AccreditationsService } from '../../associations/accreditations.service';
import { AuditService } from '../../audit/audit.service';
import { Actor } from '../../common/access/role';
import { parisToday } from '../../common/dates';
import { NotFoundError } from '../../common/errors/common.errors';
import { AppConfig } from '../../config/app-config';
import { queryRows, violatedConstraint } from '../../database/sql';
import { User } from '../../users/user.entity';
import { USER_ERRORS } from '../../users/user.errors';
import { UsersService } from '../../users/users.service';
import { AUTH_ERRORS } from '../auth.errors';
import { AccessRequest } from './access-request.entity';
import { AccessRequestDto, AccessRequestQueryDto, GrantAccessDto } from './dto/access-request.dto';
import { Page, pageOf } from '../../common/pagination';
import { ExternalIdentitiesService } from '../../users/external-identities.service';
import { OidcClient, ProviderAnswerRefused, ProviderIdentity } from './oidc-client';
import { SsoAttempt } from './sso-attempt.entity';
import { clientNetwork } from '../../security/login-keys';
import { RateLimiter } from '../../security/rate-limiter.service';

/** How long the browser has to come back from the provider. */
const ATTEMPT_MINUTES = 10;

/** How a sign-in through the provider ended. */
export type SsoOutcome =
  | {
      kind: 'account';
      user: User;
      next: string | null;
      amr: string[];
      acr: string | null;
      /**
       * A sign-in through this identity once passed this service's own second factor (never so
       * for a link just made by e-mail): only then may the provider's MFA stand for it.
       */
      trustedForMfa: boolean;
    }
  | { kind: 'pending'; request: AccessRequestDto };

/** Who the provider says the person is, in this service's terms. */
interface Vouched {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string | null;
  siret: string | null;
}

/**
 * Single sign-on through OpenID Connect: a sign-in begun here and answered once, an account
 * found by its identity at the provider, else linked once by a verified e-mail, else an access
 * request that waits for a person (an administrator, or the people of the accredited association
 * whose SIRET the provider gave) — never access granted by the provider alone.
 */
@Injectable()
export class SsoService {
  private readonly logger = new Logger(SsoService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: OidcClient,
    private readonly users: UsersService,
    private readonly identities: ExternalIdentitiesService,
    private readonly accreditations: AccreditationsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
  ) {}

  get configured(): boolean {
    return this.client.configured;
  }

  get providerName(): string {
    return this.client.providerName;
  }

  private params() {
    return { provider: this.client.providerName };
  }

  /**
   * A new sign-in: the provider's URL, and the key the browser keeps (in a cookie) to come back
   * with. What the answer must match is kept here under the key's hash.
   */
  async begin(
    next: string | undefined,
    ip: string | undefined,
  ): Promise<{ url: string; key: string }> {
    if (!this.client.configured) throw AUTH_ERRORS.error('SSO_NOT_CONFIGURED');
    // counted before the provider is asked: a flood neither grows sso_attempt nor hammers it
    await this.limiter.consume(
      [`sso:ip:${clientNetwork(ip)}`],
      this.config.get('SSO_BEGIN_LIMIT_PER_IP'),
      this.config.get('LOGIN_RATE_WINDOW_SECONDS'),
    );
    let begun;
    try {
      begun = await this.client.begin();
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'OpenID provider unreachable');
      throw AUTH_ERRORS.error('SSO_UNAVAILABLE', this.params());
    }
    const key = newSecretKey();
    await this.dataSource.transaction(async (em) => {
      // an expired attempt is of no use to anyone: kept no longer
      await em.query(`DELETE FROM sso_attempt WHERE expires_at < now()`);
      await em.insert(SsoAttempt, {
        keyHash: secretKeyHash(key),
        state: begun.checks.state,
        nonce: begun.checks.nonce,
        codeVerifier: begun.checks.codeVerifier,
        next: next ?? null,
        expiresAt: new Date(Date.now() + ATTEMPT_MINUTES * 60_000),
      });
    });
    return { url: begun.url, key };
  }

  /**
   * The provider's answer, in the browser that began the sign-in (`key` from its cookie): spent at
   * once (a replay finds it used), then the code exchanged and the ID token checked.
   */
  async finish(key: string | undefined, query: string): Promise<SsoOutcome> {
    if (!this.client.configured) throw AUTH_ERRORS.error('SSO_NOT_CONFIGURED');
    const refused = (reason: string) => {
      this.logger.warn({ reason }, 'Single sign-on answer refused');
      return AUTH_ERRORS.error('SSO_REFUSED', this.params());
    };
    if (!isSecretKey(key)) throw refused('no sign-in begun in this browser');
    const [attempt] = await queryRows<{
      state: string;
      nonce: string;
      code_verifier: string;
      next: string | null;
    }>(
      this.dataSource.manager,
      // spent by its first answer: gone, so that a replay finds nothing
      `DELETE FROM sso_attempt
        WHERE key_hash = $1 AND expires_at > now()
        RETURNING state, nonce, code_verifier, next`,
      [secretKeyHash(key)],
    );
    if (!attempt) throw refused('sign-in unknown, already answered or expired');
    let identity: ProviderIdentity;
    try {
      identity = await this.client.finish(query, {
        state: attempt.state,
        nonce: attempt.nonce,
        codeVerifier: attempt.code_verifier,
      });
    } catch (err) {
      if (err instanceof ProviderAnswerRefused) throw refused(err.message);
      this.logger.warn({ err: String(err) }, 'OpenID provider unreachable');
      throw AUTH_ERRORS.error('SSO_UNAVAILABLE', this.params());
    }
    const vouched = this.read(identity);
    // two answers at once for a first sign-in: the second finds the link the first made
    const found = await this.accountOf(vouched).catch((err: unknown) => {
      if (violatedConstraint(err)?.startsWith('uq_external_identity_'))
        return this.accountOf(vouched);
      throw err;
    });
    if (found)
      return {
        kind: 'account',
        ...found,
        next: attempt.next,
        amr: identity.amr,
        acr: identity.acr,
      };
    return { kind: 'pending', request: await this.request(vouched) };
  }

  /** The claims, as the settings name them. */
  private read(identity: ProviderIdentity): Vouched {
    const claim = (name: string): string | null => {
      const v = identity.claims[name];
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
    };
    const email = claim(this.config.get('OIDC_EMAIL_CLAIM'))?.toLowerCase() ?? null;
    const siret = claim(this.config.get('OIDC_SIRET_CLAIM'))?.replace(/\s+/g, '') ?? null;
    const name = [
      claim(this.config.get('OIDC_GIVEN_NAME_CLAIM')),
      claim(this.config.get('OIDC_FAMILY_NAME_CLAIM')),
    ]
      .filter(Boolean)
      .join(' ')
      .slice(0, 120);
    return {
      issuer: identity.issuer,
      subject: identity.subject,
      email: email && email.length <= 254 && email.includes('@') ? email : null,
      emailVerified:
        this.config.get('OIDC_EMAIL_VERIFIED') === 'provider' ||
        identity.claims.email_verified === true,
      displayName: name || null,
      siret: siret && /^[0-9]{14}$/.test(siret) ? siret : null,
    };
  }

  /**
   * The account of this identity: by its link, else by its verified e-mail (and then linked, once).
   * A deactivated account, or one already linked to another identity there, is refused.
   */
  private async accountOf(v: Vouched): Promise<{ user: User; trustedForMfa: boolean } | null> {
    // a refusal is returned, not thrown, so that its audit event commits; it is thrown after
    type Found = { user: User; trustedForMfa: boolean } | Error | null;
    const found = await this.dataSource.transaction(async (em): Promise<Found> => {
      const linked = await this.identities.linkedUser(em, v);
      let user: User | null = null;
      if (linked) {
        user = await this.users.lockUser(em, linked);
      } else if (v.email && v.emailVerified) {
        const byEmail = await em.findOne(User, {
          where: { email: v.email },
          lock: { mode: 'pessimistic_write' },
        });
        if (!byEmail) return null;
        user = byEmail;
      } else {
        return null;
      }
      if (!user.active) {
        await this.audit.record(em, null, {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user.id,
          after: { email: user.email, reason: 'inactive', via: 'sso' },
        });
        return AUTH_ERRORS.error('SSO_ACCOUNT_INACTIVE');
      }
      if (linked) {
        await this.identities.markUsed(em, v);
        return { user, trustedForMfa: await this.identities.passedSecondStep(em, v) };
      }
      if (await this.identities.subjectOf(em, v.issuer, user.id)) {
        await this.audit.record(em, null, {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user.id,
          after: { email: user.email, reason: 'identity_conflict', via: 'sso', subject: v.subject },
        });
        return AUTH_ERRORS.error('SSO_IDENTITY_CONFLICT', this.params());
      }
      await this.identities.link(em, this.users.asActor(user), user.id, {
        ...v,
        email: v.email ?? user.email,
      });
      return { user, trustedForMfa: false };
    });
    if (found instanceof Error) throw found;
    return found;
  }

  /**
   * Someone without an account: their request, kept once while it waits (a new sign-in counts
   * one more attempt, refreshes what the provider said, and writes no new audit event).
   */
  private async request(v: Vouched): Promise<AccessRequestDto> {
    if (!v.email) throw AUTH_ERRORS.error('SSO_EMAIL_MISSING', this.params());
    return this.dataSource.transaction(async (em) => {
      // offered to the association only on the provider's word for both the SIRET and the
      // e-mail: its people recognise a colleague by the address, which must really be theirs
      const associationId =
        v.siret && v.emailVerified ? await this.accreditedBySiret(em, v.siret) : null;
      const [row] = await queryRows<{ id: string; created: boolean }>(
        em,
        `INSERT INTO access_request (issuer, subject, email, email_verified, display_name, siret, association_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (issuer, subject) WHERE status = 'PENDING' DO UPDATE
           SET attempts = access_request.attempts + 1, email = EXCLUDED.email,
               email_verified = EXCLUDED.email_verified, display_name = EXCLUDED.display_name,
               siret = EXCLUDED.siret, association_id = EXCLUDED.association_id, updated_at = now()
         RETURNING id, (xmax = 0) AS created`,
        [v.issuer, v.subject, v.email, v.emailVerified, v.displayName, v.siret, associationId],
      );
      const request = await em.findOneByOrFail(AccessRequest, { id: row.id });
      if (row.created)
        await this.audit.record(em, null, {
          action: 'access_request.created',
          entityType: 'access_request',
          entityId: request.id,
          after: auditView(request),
        });
      return AccessRequestDto.from(request);
    });
  }

  /** The association with this SIRET, if accredited today. */
  private async accreditedBySiret(em: EntityManager, siret: string): Promise<string | null> {
    const [association] = await queryRows<{ id: string }>(
      em,
      `SELECT id FROM association WHERE siret = $1`,
      [siret],
    );
    if (!association) return null;
    return (await this.accreditations.isAccredited(em, association.id, parisToday()))
      ? association.id
      : null;
  }

  /** Administrators see every request; an association's people, those offered to it. */
  async list(actor: Actor, q: AccessRequestQueryDto): Promise<Page<AccessRequestDto>> {
    const associationId =
      actor.role === 'ADMIN'
        ? q.associationId
        : (actor.associationId ?? '00000000-0000-0000-0000-000000000000');
    const found = await this.dataSource.getRepository(AccessRequest).findAndCount({
      where: { status: q.status, ...(associationId ? { associationId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: q.offset,
      take: q.pageSize,
    });
    return pageOf(q, found, (r) => AccessRequestDto.from(r));
  }

  /** An administrator gives the person an account (an administrator's waits for a second one). */
  grant(actor: Actor, id: string, dto: GrantAccessDto): Promise<AccessRequestDto> {
    return this.decide(actor, id, 'GRANTED', async (em, request) => {
      const { user } = await this.users.insert(
        em,
        actor,
        {
          ...dto,
          email: request.email,
          displayName: dto.displayName ?? request.displayName ?? undefined,
        },
        null,
      );
      return user;
    });
  }

  /** One of the association's people confirms a colleague the provider vouched for with its SIRET. */
  confirm(actor: Actor, id: string): Promise<AccessRequestDto> {
    return this.decide(actor, id, 'GRANTED', async (em, request) => {
      // offered while accredited; confirmed only while it still is
      if (
        !(await this.accreditations.isAccredited(em, request.associationId as string, parisToday()))
      )
        throw AUTH_ERRORS.error('ACCESS_REQUEST_NOT_ACCREDITED');
      const { user } = await this.users.insert(
        em,
        actor,
        {
          email: request.email,
          role: 'ASSOCIATION',
          associationId: request.associationId as string,
          displayName: request.displayName ?? undefined,
        },
        null,
      );
      return user;
    });
  }

  refuse(actor: Actor, id: string): Promise<AccessRequestDto> {
    return this.decide(actor, id, 'REFUSED', () => Promise.resolve(null));
  }

  /**
   * A decision on a pending request, in one transaction: the request locked, the account made and
   * linked to the identity (when granted), the decision recorded and audited.
   */
  private decide(
    actor: Actor,
    id: string,
    status: 'GRANTED' | 'REFUSED',
    make: (em: EntityManager, request: AccessRequest) => Promise<User | null>,
  ): Promise<AccessRequestDto> {
    return this.dataSource
      .transaction(async (em) => {
        const request = await em.findOne(AccessRequest, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        // an association's people see only the requests offered to it: others do not exist for them
        if (!request || (actor.role !== 'ADMIN' && request.associationId !== actor.associationId))
          throw new NotFoundError('Demande d’accès', id);
        if (request.status !== 'PENDING') throw AUTH_ERRORS.error('ACCESS_REQUEST_DECIDED');
        const before = auditView(request);
        const user = await make(em, request);
        if (user)
          await this.identities.link(em, actor, user.id, {
            issuer: request.issuer,
            subject: request.subject,
            email: request.email,
          });
        request.status = status;
        request.decidedBy = actor.id;
        request.decidedAt = new Date();
        request.userId = user?.id ?? null;
        await em.save(request);
        await this.audit.record(em, actor, {
          action: status === 'GRANTED' ? 'access_request.granted' : 'access_request.refused',
          entityType: 'access_request',
          entityId: request.id,
          before,
          after: auditView(request),
        });
        return AccessRequestDto.from(request);
      })
      .catch((err: unknown) => {
        if (violatedConstraint(err) === 'uq_external_identity_subject')
          throw AUTH_ERRORS.error('ACCESS_REQUEST_DECIDED');
        if (violatedConstraint(err) === 'uq_app_user_email') throw USER_ERRORS.error('EMAIL_TAKEN');
        throw err;
      });
  }
}

function auditView(r: AccessRequest) {
  return {
    email: r.email,
    emailVerified: r.emailVerified,
    displayName: r.displayName,
    siret: r.siret,
    associationId: r.associationId,
    status: r.status,
    userId: r.userId,
    subject: r.subject,
    issuer: r.issuer,
  };
}
