import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { ValidationFailedError } from '../common/errors/common.errors';
import { parisToday } from '../common/dates';
import { queryRows } from '../database/sql';
import { SqlWhere } from '../database/where';
import {
  Accreditation,
  AccreditationAction,
  AccreditationDecision,
  AccreditationStatus,
} from './accreditation.entity';
import { ASSOCIATION_ERRORS } from './association.errors';
import { AssociationsService } from './associations.service';
import { AssociationDto, GrantAccreditationDto } from './dto/association.dto';

/**
 * Accreditations (habilitations): granted for a period, suspended, reinstated, revoked, each
 * decision kept in the accreditation's history; and the rule redemption asks: may this
 * association redeem for a session on this day?
 */
@Injectable()
export class AccreditationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly associations: AssociationsService,
  ) {}

  async grant(actor: Actor, id: string, dto: GrantAccreditationDto): Promise<AssociationDto> {
    if (dto.validUntil < dto.validFrom)
      throw ValidationFailedError.field(
        'validUntil',
        'validUntil must not be before validFrom',
        'ne peut pas précéder la date de début',
      );
    return this.dataSource.transaction(async (em) => {
      const association = await this.associations.lock(em, id);
      const overlapping = await em
        .createQueryBuilder(Accreditation, 'a')
        .where('a.association_id = :id', { id })
        .andWhere(`a.status <> 'REVOKED'`)
        .andWhere('a.valid_from <= :until AND a.valid_until >= :from', {
          from: dto.validFrom,
          until: dto.validUntil,
        })
        .getCount();
      if (overlapping > 0) {
        throw ASSOCIATION_ERRORS.error('ACCREDITATION_OVERLAP');
      }
      const accreditation = em.create(Accreditation, {
        associationId: id,
        validFrom: dto.validFrom,
        validUntil: dto.validUntil,
        status: 'ACTIVE',
      });
      await em.save(accreditation);
      await this.decide(em, actor, accreditation, 'GRANTED', null, null);
      return this.associations.view(em, association, actor);
    });
  }

  suspend(actor: Actor, id: string, reason: string): Promise<AssociationDto> {
    return this.transition(actor, id, ['ACTIVE'], 'SUSPENDED', 'SUSPENDED', reason);
  }

  reinstate(actor: Actor, id: string, reason: string | undefined): Promise<AssociationDto> {
    return this.transition(actor, id, ['SUSPENDED'], 'ACTIVE', 'REINSTATED', reason ?? null);
  }

  revoke(actor: Actor, id: string, reason: string): Promise<AssociationDto> {
    return this.transition(actor, id, ['ACTIVE', 'SUSPENDED'], 'REVOKED', 'REVOKED', reason);
  }

  /** Whether the association may redeem for a session on `day` (accredited then, and not suspended now). */
  async isAccredited(em: EntityManager, associationId: string, day: string): Promise<boolean> {
    const p = new SqlWhere();
    const [row] = await queryRows<{ accredited: boolean }>(
      em,
      `SELECT ${accreditedOn(p.next(associationId), p.next(day))} AS accredited`,
      p.params,
    );
    return row.accredited;
  }

  private async transition(
    actor: Actor,
    id: string,
    from: AccreditationStatus[],
    to: AccreditationStatus,
    action: AccreditationAction,
    reason: string | null,
  ): Promise<AssociationDto> {
    return this.dataSource.transaction(async (em) => {
      const association = await this.associations.lock(em, id);
      const current = await em.find(Accreditation, {
        where: { associationId: id, status: In(from) },
        order: { validUntil: 'DESC' },
      });
      const today = parisToday();
      const target = current.find((a) => a.validUntil >= today) ?? current[0];
      if (!target) {
        throw ASSOCIATION_ERRORS.error('ACCREDITATION_STATE_CONFLICT', {
          from: from.join(' ou '),
        });
      }
      await this.audit.changeState(em, actor, target, {
        action: `accreditation.${action.toLowerCase()}`,
        entityType: 'accreditation',
        from,
        to,
        refuse: () =>
          ASSOCIATION_ERRORS.error('ACCREDITATION_STATE_CONFLICT', { from: from.join(' ou ') }),
        thenWrite: () => this.recordDecision(em, actor, target, action, reason),
        after: {
          associationId: target.associationId,
          validFrom: target.validFrom,
          validUntil: target.validUntil,
          reason,
        },
      });
      return this.associations.view(em, association, actor);
    });
  }

  /** The decision row of an accreditation's history (granted, suspended, reinstated, revoked). */
  private async recordDecision(
    em: EntityManager,
    actor: Actor,
    accreditation: Accreditation,
    action: AccreditationAction,
    reason: string | null,
  ): Promise<void> {
    await em.save(
      em.create(AccreditationDecision, {
        accreditationId: accreditation.id,
        action,
        reason,
        decidedBy: actor.id,
      }),
    );
  }

  private async decide(
    em: EntityManager,
    actor: Actor,
    accreditation: Accreditation,
    action: AccreditationAction,
    reason: string | null,
    before: object | null,
  ): Promise<void> {
    await this.recordDecision(em, actor, accreditation, action, reason);
    await this.audit.record(em, actor, {
      action: `accreditation.${action.toLowerCase()}`,
      entityType: 'accreditation',
      entityId: accreditation.id,
      before,
      after: {
        associationId: accreditation.associationId,
        validFrom: accreditation.validFrom,
        validUntil: accreditation.validUntil,
        status: accreditation.status,
        reason,
      },
    });
  }
}

/**
 * The SQL condition "association `association` may redeem for a session on `day`" (placeholders of
 * the caller's statement): an ACTIVE accreditation covering that day. The one definition, used by
 * `isAccredited` and inside both of the redemption's statements.
 */
export function accreditedOn(association: string, day: string): string {
  return `EXISTS (SELECT 1 FROM accreditation WHERE association_id = ${association} AND status = 'ACTIVE'
                     AND valid_from <= ${day}::date AND valid_until >= ${day}::date)`;
}
