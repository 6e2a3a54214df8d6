import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/access/role';
import { queryRows } from '../database/sql';
import { ExternalIdentity } from './external-identity.entity';

/** An identity at an OpenID provider, as the provider vouched for it. */
export interface ProviderSubject {
  issuer: string;
  subject: string;
}

/**
 * The links between accounts and identities at an OpenID provider (`external_identity`): found by
 * issuer + subject, made once and audited, never moved to another account.
 */
@Injectable()
export class ExternalIdentitiesService {
  constructor(private readonly audit: AuditService) {}

  /** The account linked to this identity, if any. */
  async linkedUser(em: EntityManager, who: ProviderSubject): Promise<string | null> {
    const [row] = await queryRows<{ user_id: string }>(
      em,
      `SELECT user_id FROM external_identity WHERE issuer = $1 AND subject = $2`,
      [who.issuer, who.subject],
    );
    return row?.user_id ?? null;
  }

  /** A sign-in through this identity succeeded. */
  async markUsed(em: EntityManager, who: ProviderSubject): Promise<void> {
    await em.query(
      `UPDATE external_identity SET last_used_at = now() WHERE issuer = $1 AND subject = $2`,
      [who.issuer, who.subject],
    );
  }

  /**
   * Whether a sign-in through this identity once passed this service's own second factor (then,
   * and only then, the provider's assertion that it checked one may stand for it).
   */
  async passedSecondStep(em: EntityManager, who: ProviderSubject): Promise<boolean> {
    const [row] = await queryRows<{ passed: boolean }>(
      em,
      `SELECT second_step_at IS NOT NULL AS passed FROM external_identity WHERE issuer = $1 AND subject = $2`,
      [who.issuer, who.subject],
    );
    return row?.passed ?? false;
  }

  /**
   * A sign-in through the provider passed this service's second factor: the account's identities
   * (one per provider) are trusted for it from now on — or, `passed` false (the factor reset), no
   * longer.
   */
  async recordSecondStep(em: EntityManager, userId: string, passed: boolean): Promise<void> {
    await em.query(
      `UPDATE external_identity SET second_step_at = CASE WHEN $2 THEN now() END
        WHERE user_id = $1 AND (second_step_at IS NULL) = $2`,
      [userId, passed],
    );
  }

  /** Which of these accounts sign in through an identity provider. */
  async linkedUsers(em: EntityManager, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await em.find(ExternalIdentity, {
      select: { userId: true },
      where: { userId: In(userIds) },
    });
    return new Set(rows.map((r) => r.userId));
  }

  /** The subject this account is already linked to at this issuer, if any. */
  async subjectOf(em: EntityManager, issuer: string, userId: string): Promise<string | null> {
    const [row] = await queryRows<{ subject: string }>(
      em,
      `SELECT subject FROM external_identity WHERE issuer = $1 AND user_id = $2`,
      [issuer, userId],
    );
    return row?.subject ?? null;
  }

  /**
   * Links the account to the identity, audited. A second link of the same identity, or of the
   * account at the same issuer, fails on `uq_external_identity_subject` / `_user`.
   */
  async link(
    em: EntityManager,
    actor: Actor,
    userId: string,
    who: ProviderSubject & { email: string },
  ): Promise<void> {
    await em.insert(ExternalIdentity, {
      issuer: who.issuer,
      subject: who.subject,
      userId,
      emailAtLink: who.email,
      lastUsedAt: new Date(),
    });
    await this.audit.record(em, actor, {
      action: 'user.identity_linked',
      entityType: 'user',
      entityId: userId,
      after: { issuer: who.issuer, subject: who.subject, email: who.email },
    });
  }
}
