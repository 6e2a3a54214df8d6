import { Injectable } from '@nestjs/common';
import { canSeeAssociation } from '../common/access/scope';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { parisToday } from '../common/dates';
import { FieldError } from '../common/errors/domain-error';
import { NotFoundError, ValidationFailedError } from '../common/errors/common.errors';
import { violatedConstraint } from '../database/sql';
import { isBic, isValidSiret, maskIban, normalizeIban } from '../common/validators';
import { Accreditation, AccreditationDecision } from './accreditation.entity';
import { Association } from './association.entity';
import { BankDetailsChange } from './bank-details-change.entity';
import { assertTwoPeople } from '../users/four-eyes';
import {
  AccreditationDto,
  AssociationDto,
  CreateAssociationDto,
  PublicAssociationDto,
  UpdateAssociationDto,
} from './dto/association.dto';
import { ASSOCIATION_ERRORS } from './association.errors';
import { USER_ERRORS } from '../users/user.errors';

type AssociationFields = Partial<CreateAssociationDto>;

@Injectable()
export class AssociationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateAssociationDto): Promise<AssociationDto> {
    const values = this.normalize(dto);
    return this.saving(() =>
      this.dataSource.transaction(async (em) => {
        const association = em.create(Association, {
          ...values,
          phone: values.phone ?? null,
          bic: values.bic ?? null,
        });
        await em.save(association);
        await this.audit.record(em, actor, {
          action: 'association.created',
          entityType: 'association',
          entityId: association.id,
          after: association,
        });
        return this.view(em, association, actor);
      }),
    );
  }

  async update(actor: Actor, id: string, dto: UpdateAssociationDto): Promise<AssociationDto> {
    const values = this.normalize(dto);
    return this.saving(() =>
      this.dataSource.transaction(async (em) => {
        const association = await this.lock(em, id);
        const before = { ...association };
        // New bank details are a request that a second administrator confirms (confirmBankDetails).
        const { iban, bic, ...rest } = values;
        const newIban = iban ?? association.iban;
        const newBic = bic !== undefined ? bic : association.bic;
        const bankChange = newIban !== association.iban || newBic !== association.bic;
        Object.assign(association, rest);
        await em.save(association);
        if (bankChange) {
          if (await this.pendingBankDetails(em, id))
            throw ASSOCIATION_ERRORS.error('BANK_DETAILS_CHANGE_PENDING');
          await em.save(
            em.create(BankDetailsChange, {
              associationId: id,
              iban: newIban,
              bic: newBic,
              status: 'PENDING',
              requestedBy: actor.id,
              decidedBy: null,
              decidedAt: null,
            }),
          );
        }
        await this.audit.record(em, actor, {
          action: 'association.updated',
          entityType: 'association',
          entityId: id,
          before,
          after: {
            ...association,
            pendingBankDetails: bankChange ? { iban: maskIban(newIban), bic: newBic } : null,
          },
        });
        return this.view(em, association, actor);
      }),
    );
  }

  /**
   * A second person — not the requester, nor anyone who could sign in as them — applies the
   * association's new bank details; statements issued from then on carry them.
   */
  async confirmBankDetails(actor: Actor, id: string): Promise<AssociationDto> {
    return this.dataSource.transaction(async (em) => {
      const association = await this.lock(em, id);
      const change = await this.lockPendingBankDetails(em, id);
      await assertTwoPeople(
        em,
        change.requestedBy,
        actor.id,
        'Le changement de coordonnées bancaires',
      );
      const before = { iban: maskIban(association.iban), bic: association.bic };
      Object.assign(association, { iban: change.iban, bic: change.bic });
      await em.save(association);
      await em.save(
        Object.assign(change, { status: 'CONFIRMED', decidedBy: actor.id, decidedAt: new Date() }),
      );
      await this.audit.record(em, actor, {
        action: 'association.bank_details_confirmed',
        entityType: 'association',
        entityId: id,
        before,
        after: { iban: maskIban(change.iban), bic: change.bic, requestedBy: change.requestedBy },
      });
      return this.view(em, association, actor);
    });
  }

  /** Withdraws new bank details not yet confirmed: the current ones stay. */
  async cancelBankDetails(actor: Actor, id: string): Promise<AssociationDto> {
    return this.dataSource.transaction(async (em) => {
      const association = await this.lock(em, id);
      const change = await this.lockPendingBankDetails(em, id);
      await em.save(
        Object.assign(change, { status: 'CANCELLED', decidedBy: actor.id, decidedAt: new Date() }),
      );
      await this.audit.record(em, actor, {
        action: 'association.bank_details_cancelled',
        entityType: 'association',
        entityId: id,
        before: { pendingBankDetails: { iban: maskIban(change.iban), bic: change.bic } },
        after: { pendingBankDetails: null },
      });
      return this.view(em, association, actor);
    });
  }

  private pendingBankDetails(em: EntityManager, associationId: string) {
    return em.findOneBy(BankDetailsChange, { associationId, status: 'PENDING' });
  }

  private async lockPendingBankDetails(
    em: EntityManager,
    associationId: string,
  ): Promise<BankDetailsChange> {
    const change = await em.findOne(BankDetailsChange, {
      where: { associationId, status: 'PENDING' },
      lock: { mode: 'pessimistic_write' },
    });
    if (!change)
      throw USER_ERRORS.error('NO_PENDING_CHANGE', {
        of: 'des coordonnées bancaires de cette structure',
      });
    return change;
  }

  async list(actor: Actor): Promise<AssociationDto[]> {
    const em = this.dataSource.manager;
    const rows = await em.find(Association, { order: { name: 'ASC' } });
    return Promise.all(rows.map((a) => this.view(em, a, actor)));
  }

  /** An association's users see their own association only; for others it does not exist. */
  async get(actor: Actor, id: string): Promise<AssociationDto> {
    if (!canSeeAssociation(actor, id)) throw new NotFoundError('Structure', id);
    const em = this.dataSource.manager;
    const association = await em.findOneBy(Association, { id });
    if (!association) throw new NotFoundError('Structure', id);
    return this.view(em, association, actor);
  }

  /** The public directory: associations accredited today, optionally by city or postal code. */
  async directory(q?: string): Promise<PublicAssociationDto[]> {
    return (await this.accreditedToday(q)).map((a) => PublicAssociationDto.from(a));
  }

  /** Associations accredited (and not suspended) today, by postal code then name. */
  async accreditedToday(q?: string): Promise<Association[]> {
    const today = parisToday();
    const query = this.dataSource.manager
      .createQueryBuilder(Association, 'a')
      .where(
        `EXISTS (SELECT 1 FROM accreditation x WHERE x.association_id = a.id AND x.status = 'ACTIVE' AND x.valid_from <= :today AND x.valid_until >= :today)`,
        { today },
      )
      .orderBy('a.postal_code')
      .addOrderBy('a.name');
    if (q?.trim()) {
      const term = q.trim().replace(/[\\%_]/g, (c) => '\\' + c);
      query.andWhere(
        new Brackets((b) =>
          b
            .where('a.postal_code LIKE :start', { start: `${term}%` })
            .orWhere('a.city ILIKE :city', { city: `%${term}%` }),
        ),
      );
    }
    return query.getMany();
  }

  /** The association as the caller sees it, with its accreditations and their history. */
  async view(em: EntityManager, a: Association, actor: Actor): Promise<AssociationDto> {
    const accreditations = await em.find(Accreditation, {
      where: { associationId: a.id },
      order: { validFrom: 'DESC' },
    });
    const decisions = accreditations.length
      ? await em.find(AccreditationDecision, {
          where: { accreditationId: In(accreditations.map((x) => x.id)) },
          order: { decidedAt: 'ASC' },
        })
      : [];
    const today = parisToday();
    const pending = await this.pendingBankDetails(em, a.id);
    return {
      id: a.id,
      name: a.name,
      siret: a.siret,
      address: a.address,
      postalCode: a.postalCode,
      city: a.city,
      email: a.email,
      phone: a.phone,
      iban: actor.role === 'ADMIN' ? a.iban : maskIban(a.iban),
      bic: a.bic,
      activities: a.activities,
      accreditedToday: accreditations.some(
        (x) => x.status === 'ACTIVE' && x.validFrom <= today && x.validUntil >= today,
      ),
      accreditations: accreditations.map((x) => AccreditationDto.from(x, decisions)),
      pendingBankDetails: pending
        ? {
            iban: actor.role === 'ADMIN' ? pending.iban : maskIban(pending.iban),
            bic: pending.bic,
            requestedBy: pending.requestedBy,
            requestedAt: pending.requestedAt.toISOString(),
          }
        : null,
    };
  }

  /**
   * The association's row, FOR NO KEY UPDATE (second in the lock order, after a claim): claims,
   * cut-offs and statement issues serialize on it; inserts that reference it are not blocked.
   */
  async lock(em: EntityManager, id: string): Promise<Association> {
    const association = await em.findOne(Association, {
      where: { id },
      lock: { mode: 'for_no_key_update' },
    });
    if (!association) throw new NotFoundError('Structure', id);
    return association;
  }

  /** Checks SIRET, IBAN and BIC; returns the values as stored. */
  private normalize<T extends AssociationFields>(dto: T): T {
    const errors: FieldError[] = [];
    const out = { ...dto };
    if (dto.siret !== undefined) {
      out.siret = dto.siret.replace(/\s/g, '');
      if (!isValidSiret(out.siret))
        errors.push({ field: 'siret', message: 'siret must be 14 digits with a valid checksum' });
    }
    if (dto.iban !== undefined) {
      const iban = normalizeIban(dto.iban);
      if (!iban) errors.push({ field: 'iban', message: 'iban is not a valid IBAN' });
      else out.iban = iban;
    }
    if (dto.bic !== undefined) {
      out.bic = dto.bic.toUpperCase();
      if (!isBic(out.bic)) errors.push({ field: 'bic', message: 'bic is not a valid BIC' });
    }
    if (dto.email !== undefined) out.email = dto.email.trim().toLowerCase();
    if (errors.length) throw new ValidationFailedError(errors);
    return out;
  }

  private async saving<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (violatedConstraint(err) === 'uq_association_siret') {
        throw ASSOCIATION_ERRORS.error('SIRET_TAKEN');
      }
      throw err;
    }
  }
}
