import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { NotFoundError, ValidationFailedError } from '../common/errors/common.errors';
import { frenchDate, parisToday } from '../common/dates';
import {
  CreateProgrammeDto,
  ExtendProgrammeDto,
  ProgrammeDto,
  ProgrammeExtensionDto,
  UpdateProgrammeDto,
} from './dto/programme.dto';
import { Programme } from './programme.entity';
import { PROGRAMME_ERRORS } from './programme.errors';

export const budgetExceeded = (requested: number, remaining: number) =>
  PROGRAMME_ERRORS.error(
    'BUDGET_EXCEEDED',
    {},
    { requestedCents: requested, remainingCents: remaining },
  );

@Injectable()
export class ProgrammesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateProgrammeDto): Promise<ProgrammeDto> {
    const values = {
      faceValueCents: 1000,
      chequesPerBooklet: 10,
      allowBeneficiaryNames: false,
      ...dto,
    };
    this.assertDates(values);
    return this.dataSource.transaction(async (em) => {
      const programme = em.create(Programme, { ...values, committedCents: 0 });
      await em.save(programme);
      await this.audit.record(em, actor, {
        action: 'programme.created',
        entityType: 'programme',
        entityId: programme.id,
        after: ProgrammeDto.from(programme),
      });
      return ProgrammeDto.from(programme);
    });
  }

  async update(actor: Actor, id: string, dto: UpdateProgrammeDto): Promise<ProgrammeDto> {
    return this.dataSource.transaction(async (em) => {
      const programme = await this.lock(em, id);
      const before = ProgrammeDto.from(programme);
      const changesIssuance =
        (dto.faceValueCents !== undefined && dto.faceValueCents !== programme.faceValueCents) ||
        (dto.chequesPerBooklet !== undefined &&
          dto.chequesPerBooklet !== programme.chequesPerBooklet);
      if (changesIssuance && (await this.hasBooklets(em, id))) {
        throw PROGRAMME_ERRORS.error('PROGRAMME_LOCKED');
      }
      const changesPrintedDates = (['validFrom', 'expiresOn', 'claimDeadline'] as const).filter(
        (k) => dto[k] !== undefined && dto[k] !== programme[k],
      );
      if (changesPrintedDates.length > 0 && (await this.hasBooklets(em, id))) {
        throw PROGRAMME_ERRORS.error(
          'PROGRAMME_DATES_PRINTED',
          {},
          {
            errors: changesPrintedDates.map((field) => ({
              field,
              message:
                'printed on booklets already issued: use POST /api/programmes/{id}/extension',
              fr: 'est imprimée sur les carnets déjà émis : seule une prolongation peut la repousser',
            })),
          },
        );
      }
      Object.assign(programme, dto);
      this.assertDates(programme);
      if (programme.budgetCents < programme.committedCents) {
        throw PROGRAMME_ERRORS.error(
          'BUDGET_BELOW_COMMITTED',
          {},
          { committedCents: programme.committedCents },
        );
      }
      await em.save(programme);
      await this.audit.record(em, actor, {
        action: 'programme.updated',
        entityType: 'programme',
        entityId: id,
        before,
        after: ProgrammeDto.from(programme),
      });
      return ProgrammeDto.from(programme);
    });
  }

  /**
   * Extends a programme whose dates are printed: a later expiry and/or claim deadline, audited
   * with the reason. Printed booklets keep showing the earlier date; their cheques are accepted
   * until the new one (the extension only ever gives holders and associations more time).
   */
  async extend(actor: Actor, id: string, dto: ExtendProgrammeDto): Promise<ProgrammeExtensionDto> {
    return this.dataSource.transaction(async (em) => {
      const programme = await this.lock(em, id);
      const before = ProgrammeDto.from(programme);
      const errors = (['expiresOn', 'claimDeadline'] as const)
        .filter((k) => dto[k] !== undefined && dto[k] < programme[k])
        .map((field) => ({
          field,
          message: `${field} must not be before ${programme[field]}`,
          fr: `ne peut pas précéder la date actuelle (${frenchDate(programme[field])})`,
        }));
      if (errors.length > 0) {
        throw new ValidationFailedError(
          errors,
          'Une prolongation ne peut que repousser les dates, jamais les avancer.',
        );
      }
      const later = (['expiresOn', 'claimDeadline'] as const).filter(
        (k) => dto[k] !== undefined && dto[k] > programme[k],
      );
      if (later.length === 0) {
        throw new ValidationFailedError(
          [
            {
              field: 'expiresOn',
              message: 'give a later expiresOn or claimDeadline',
              fr: 'indiquez une date plus tardive que la date actuelle',
            },
          ],
          'Indiquez une date plus tardive que la date actuelle.',
        );
      }
      Object.assign(programme, {
        expiresOn: dto.expiresOn ?? programme.expiresOn,
        claimDeadline: dto.claimDeadline ?? programme.claimDeadline,
      });
      this.assertDates(programme);
      await em.save(programme);
      const [{ n }] = await em.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM booklet WHERE programme_id = $1`,
        [id],
      );
      const effect =
        n === 0
          ? 'Aucun carnet n’a encore été émis.'
          : `${n} carnet${n > 1 ? 's' : ''} déjà émis ${n > 1 ? 'portent' : 'porte'} les dates antérieures : leurs chèques sont acceptés jusqu’à la nouvelle date d’expiration (${frenchDate(programme.expiresOn)}), et les demandes de remboursement jusqu’au ${frenchDate(programme.claimDeadline)}.`;
      await this.audit.record(em, actor, {
        action: 'programme.extended',
        entityType: 'programme',
        entityId: id,
        before: { expiresOn: before.expiresOn, claimDeadline: before.claimDeadline },
        after: {
          expiresOn: programme.expiresOn,
          claimDeadline: programme.claimDeadline,
          reason: dto.reason,
          bookletsPrintedWithEarlierDates: n,
        },
      });
      return {
        programme: ProgrammeDto.from(programme),
        bookletsPrintedWithEarlierDates: n,
        effect,
      };
    });
  }

  async list(): Promise<ProgrammeDto[]> {
    const rows = await this.dataSource
      .getRepository(Programme)
      .find({ order: { validFrom: 'DESC', name: 'ASC' } });
    return rows.map((p) => ProgrammeDto.from(p));
  }

  /**
   * Booklets of the programme, printed or issued: once there is one, its face value, cheques per
   * booklet and dates are printed and frozen (update refuses them; extend only moves dates later).
   */
  async bookletCount(id: string): Promise<number> {
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM booklet WHERE programme_id = $1',
      [id],
    );
    return n;
  }

  async get(id: string): Promise<ProgrammeDto> {
    return ProgrammeDto.from(await this.find(this.dataSource.manager, id));
  }

  async find(em: EntityManager, id: string): Promise<Programme> {
    const programme = await em.findOneBy(Programme, { id });
    if (!programme) throw new NotFoundError('Dispositif', id);
    return programme;
  }

  /**
   * For issuance: locks the programme row (serialising issuance per programme, which also keeps
   * booklet numbers and the committed amount consistent) and checks cheques can still be issued.
   * `field` names the request field that designated the programme, for the error.
   */
  async lockForIssuance(em: EntityManager, id: string, field = 'programmeId'): Promise<Programme> {
    const programme = await em.findOne(Programme, {
      where: { id },
      lock: { mode: 'for_no_key_update' },
    });
    if (!programme) {
      throw PROGRAMME_ERRORS.fieldError('PROGRAMME_NOT_FOUND', field, 'unknown programme', { id });
    }
    if (parisToday() > programme.expiresOn) {
      throw PROGRAMME_ERRORS.fieldError('PROGRAMME_EXPIRED', field, 'programme expired', {
        expiresOn: programme.expiresOn,
      });
    }
    return programme;
  }

  /** Locks a programme for its closing (the first lock of that transaction). */
  async lockForClosing(em: EntityManager, id: string): Promise<Programme> {
    const programme = await em.findOne(Programme, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!programme) throw new NotFoundError('Dispositif', id);
    return programme;
  }

  /**
   * Closes a locked programme: its report frozen on the row and its committed amount brought down
   * to what was actually paid (the rest of the budget is released). The database refuses any
   * change to it, and any new redemption, statement line or reversal of its cheques, from then on.
   */
  async markClosed(
    em: EntityManager,
    programme: Programme,
    actorId: string,
    report: Record<string, unknown>,
    committedCents: number,
  ): Promise<void> {
    Object.assign(programme, {
      closedAt: new Date(),
      closedBy: actorId,
      closingReport: report,
      committedCents,
    });
    await em.query(
      `UPDATE programme SET closed_at = $2, closed_by = $3, closing_report = $4, committed_cents = $5 WHERE id = $1`,
      [programme.id, programme.closedAt, actorId, JSON.stringify(report), committedCents],
    );
  }

  /** Adds `cents` to the committed amount of a locked programme, refusing past the budget. */
  async commit(em: EntityManager, programme: Programme, cents: number): Promise<void> {
    const remaining = programme.budgetCents - programme.committedCents;
    if (cents > remaining) throw budgetExceeded(cents, remaining);
    programme.committedCents += cents;
    await em.update(Programme, { id: programme.id }, { committedCents: programme.committedCents });
  }

  /** Gives back the value of cheques cancelled unused. */
  /**
   * Locks the programmes (ascending id: the one order) for a change to their committed budget.
   * Lock order everywhere: programme, then booklet, then cheques.
   */
  async lockForBudget(em: EntityManager, ids: string[]): Promise<Programme[]> {
    if (ids.length === 0) return [];
    return em
      .createQueryBuilder(Programme, 'p')
      .where('p.id IN (:...ids)', { ids: [...new Set(ids)].sort() })
      .orderBy('p.id')
      .setLock('for_no_key_update')
      .getMany();
  }

  async release(em: EntityManager, programme: Programme, cents: number): Promise<void> {
    programme.committedCents -= cents;
    await em.update(Programme, { id: programme.id }, { committedCents: programme.committedCents });
  }

  private async lock(em: EntityManager, id: string): Promise<Programme> {
    const programme = await em.findOne(Programme, {
      where: { id },
      lock: { mode: 'for_no_key_update' },
    });
    if (!programme) throw new NotFoundError('Dispositif', id);
    return programme;
  }

  private async hasBooklets(em: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await em.query(
      'SELECT 1 FROM booklet WHERE programme_id = $1 LIMIT 1',
      [id],
    );
    return rows.length > 0;
  }

  private assertDates(p: { validFrom: string; expiresOn: string; claimDeadline: string }): void {
    const errors = [];
    if (p.expiresOn < p.validFrom)
      errors.push({
        field: 'expiresOn',
        message: 'expiresOn must not be before validFrom',
        fr: 'ne peut pas précéder le début de validité',
      });
    if (p.claimDeadline < p.expiresOn)
      errors.push({
        field: 'claimDeadline',
        message: 'claimDeadline must not be before expiresOn',
        fr: 'ne peut pas précéder la date d’expiration',
      });
    if (errors.length) throw new ValidationFailedError(errors);
  }
}
