import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, DataSource, EntityManager, LessThan, MoreThanOrEqual } from 'typeorm';
import type { Actor } from '../common/access/role';
import { requestContext } from '../common/request-context';
import { SqlWhere } from '../database/where';
import { Page, pageOf } from '../common/pagination';
import { AuditEvent } from './audit-event.entity';
import { assertFrom, StateChange } from './state-change';
import { IntegrityVerification, verifyIntegrity } from './audit-verify';
import { AuditEventDto, AuditQueryDto } from './dto/audit-event.dto';

export interface AuditEntry {
  /** `entity.verb`, e.g. `user.created`, `booklet.cancelled`, `auth.login_failed`. */
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: object | null;
  after?: object | null;
}

/**
 * Makes a snapshot JSON-safe and stable: dates as ISO strings, bigints as strings, and NUL
 * characters (which PostgreSQL's jsonb cannot hold, and which only hostile input carries) shown
 * as U+FFFD, so that recording what someone tried never fails.
 */
export function snapshot(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v.replace(/\0/g, '\uFFFD') : v,
    ),
  ) as Record<string, unknown>;
}

function json(value: unknown): string | null {
  const v = snapshot(value);
  return v === null ? null : JSON.stringify(v);
}

/**
 * The INSERT of one audit event, its values taken as placeholders of `p`: what `record` sends, and
 * what a hot path's single statement includes as a data-modifying CTE (one round trip for the
 * change and its event). prev_hash and hash are computed by the database trigger (see the audit
 * migrations).
 */
export function auditInsert(p: SqlWhere, actor: Actor | null, entry: AuditEntry): string {
  const values = [
    actor?.id ?? null,
    actor?.role ?? null,
    entry.action,
    entry.entityType,
    entry.entityId ?? null,
    json(entry.before),
    json(entry.after),
    requestContext.get()?.requestId ?? null,
  ].map((v) => p.next(v));
  return `INSERT INTO audit_event (actor_id, actor_role, action, entity_type, entity_id, before, after, request_id, prev_hash, hash)
       VALUES (${values.join(', ')}, '', '')`;
}

/**
 * The one writer of audit events. Called with the entity manager of the business transaction,
 * so the event commits or rolls back with the change it records.
 */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(em: EntityManager, actor: Actor | null, entry: AuditEntry): Promise<void> {
    const p = new SqlWhere();
    await em.query(auditInsert(p, actor, entry), p.params);
  }

  /**
   * Applies a state change to a row the caller has locked, in its transaction: status checked,
   * columns assigned, row saved, then the audit event (last: its audit chain's row lock is taken at
   * this insert and held until commit).
   */
  async changeState<E extends { id: string; status: string }>(
    em: EntityManager,
    actor: Actor | null,
    entity: E,
    change: StateChange<E>,
  ): Promise<E> {
    assertFrom(entity, change.from, change.refuse);
    const from = entity.status;
    Object.assign(entity, change.set ?? {}, { status: change.to });
    await em.save(entity);
    await change.thenWrite?.();
    await this.record(em, actor, {
      action: change.action,
      entityType: change.entityType,
      entityId: entity.id,
      before: { status: from, ...change.before },
      after: { status: change.to, ...change.after },
    });
    return entity;
  }

  /** For events with no business transaction of their own (a refused login, a refused lookup). */
  async recordAlone(actor: Actor | null, entry: AuditEntry): Promise<void> {
    await this.dataSource.transaction((em) => this.record(em, actor, entry));
  }

  async list(q: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    const at =
      from && to ? Between(from, to) : from ? MoreThanOrEqual(from) : to ? LessThan(to) : undefined;
    const result = await this.dataSource.getRepository(AuditEvent).findAndCount({
      where: {
        action: q.action,
        entityType: q.entityType,
        entityId: q.entityId,
        actorId: q.actorId,
        at,
      },
      order: { id: 'DESC' },
      skip: q.offset,
      take: q.pageSize,
    });
    return pageOf(q, result, (e) => AuditEventDto.from(e));
  }

  verify(): Promise<IntegrityVerification> {
    return verifyIntegrity(this.dataSource);
  }
}
