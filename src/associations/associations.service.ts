import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { documentType, UploadedDocument } from '../common/http/uploaded-file';
import { canSeeAssociation } from '../common/access/scope';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In } from 'typeorm';
import { UsersService } from '../users/users.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { parisToday } from '../common/dates';
import { FieldError } from '../common/errors/domain-error';
import { NotFoundError, ValidationFailedError } from '../common/errors/common.errors';
import { queryRows, violatedConstraint } from '../database/sql';
import { isBic, isValidSiret, maskIban, normalizeIban } from '../common/validators';
import { Accreditation, AccreditationDecision } from './accreditation.entity';
import { Association } from './association.entity';
import { BankDetailsChange } from './bank-details-change.entity';
import { assertTwoPeople } from '../users/four-eyes';
import {
  AccreditationDto,
  AssociationDto,
  BankDetailsChangeDto,
  CreateAssociationDto,
  PublicAssociationDto,
  RequestBankDetailsDto,
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
    private readonly users: UsersService,
  ) {}

  async create(actor: Actor, dto: CreateAssociationDto): Promise<AssociationDto> {
    const values = this.normalize(dto);
    return this.saving(() =>
      this.dataSource.transaction(async (em) => {
        const association = em.create(Association, {
          ...values,
          phone: values.phone ?? null,
          openingHours: values.openingHours ?? null,
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
        // New bank details are asked with their document (requestBankDetails), never here.
        const { iban, bic, ...rest } = values;
        const bankChange =
          (iban !== undefined && iban !== association.iban) ||
          (bic !== undefined && bic !== association.bic);
        if (bankChange)
          throw ASSOCIATION_ERRORS.error(
            'BANK_DETAILS_DOCUMENT_REQUIRED',
            { id },
            {
              errors: [
                { field: 'iban', message: 'new bank details need the bank-details document' },
              ],
            },
          );
        Object.assign(association, rest);
        await em.save(association);
        await this.audit.record(em, actor, {
          action: 'association.updated',
          entityType: 'association',
          entityId: id,
          before,
          after: association,
        });
        return this.view(em, association, actor);
      }),
    );
  }

  /**
   * New bank details for an association, asked with its bank-details document (RIB: PDF, PNG or
   * JPEG, recognized by its bytes, kept with its SHA-256): a request that a second administrator
   * confirms after checking the document (confirmBankDetails); until then the current ones stay.
   */
  async requestBankDetails(
    actor: Actor,
    id: string,
    dto: RequestBankDetailsDto,
    file: UploadedDocument | undefined,
  ): Promise<AssociationDto> {
    const { iban, bic } = this.normalize({ iban: dto.iban, bic: dto.bic });
    const type = file ? documentType(file.content) : null;
    if (!file || !type)
      throw new ValidationFailedError(
        [
          {
            field: 'file',
            message: file
              ? 'the bank-details document must be a PDF, PNG or JPEG file'
              : 'the bank-details document (file) is required',
            fr: file ? 'doit être un fichier PDF, PNG ou JPEG' : 'est obligatoire',
          },
        ],
        file
          ? 'Le RIB doit être un fichier PDF, PNG ou JPEG.'
          : 'Joignez le RIB de la structure (PDF, PNG ou JPEG).',
      );
    return this.dataSource.transaction(async (em) => {
      const association = await this.lock(em, id);
      if (iban === association.iban && (bic ?? null) === association.bic)
        throw new ValidationFailedError(
          [
            {
              field: 'iban',
              message: 'these are the current bank details',
              fr: 'ce sont déjà les coordonnées de la structure',
            },
          ],
          'Ce sont déjà les coordonnées bancaires de la structure.',
        );
      if (await this.pendingBankDetails(em, id))
        throw ASSOCIATION_ERRORS.error('BANK_DETAILS_CHANGE_PENDING');
      const documentSha256 = createHash('sha256').update(file.content).digest('hex');
      const change = em.create(BankDetailsChange, {
        associationId: id,
        iban,
        bic: bic ?? null,
        document: file.content,
        documentName: file.name.slice(0, 200) || 'rib',
        documentType: type,
        documentSha256,
        status: 'PENDING',
        requestedBy: actor.id,
        decidedBy: null,
        decidedAt: null,
      });
      await em.save(change);
      await this.audit.record(em, actor, {
        action: 'association.bank_details_requested',
        entityType: 'association',
        entityId: id,
        before: { iban: maskIban(association.iban), bic: association.bic },
        after: {
          pendingBankDetails: { iban: maskIban(change.iban), bic: change.bic },
          document: { name: change.documentName, type, sha256: documentSha256 },
        },
      });
      return this.view(em, association, actor);
    });
  }

  /** Every version of the association's bank details asked for, newest first. */
  async bankDetailsHistory(actor: Actor, id: string): Promise<BankDetailsChangeDto[]> {
    const em = this.dataSource.manager;
    if (!(await em.existsBy(Association, { id }))) throw new NotFoundError('Structure', id);
    const changes = await em.find(BankDetailsChange, {
      where: { associationId: id },
      order: { requestedAt: 'DESC' },
    });
    return changes.map((c) => ({
      id: c.id,
      iban: actor.role === 'ADMIN' ? c.iban : maskIban(c.iban),
      bic: c.bic,
      status: c.status,
      requestedBy: c.requestedBy,
      requestedAt: c.requestedAt.toISOString(),
      decidedBy: c.decidedBy,
      decidedAt: c.decidedAt?.toISOString() ?? null,
      documentName: c.documentName,
      documentType: c.documentType,
      documentSha256: c.documentSha256,
    }));
  }

  /** The document a bank-details request rests on, as received. */
  async bankDetailsDocument(
    id: string,
    changeId: string,
  ): Promise<{ name: string; type: string; content: Buffer }> {
    const change = await this.dataSource.manager
      .createQueryBuilder(BankDetailsChange, 'c')
      .addSelect('c.document')
      .where('c.id = :changeId AND c.association_id = :id', { changeId, id })
      .getOne();
    if (!change?.document) throw new NotFoundError('Document de coordonnées bancaires', changeId);
    return { name: change.documentName!, type: change.documentType!, content: change.document };
  }

  /**
   * A second person — not the requester, nor anyone who could sign in as them — applies the
   * association's new bank details; statements issued from then on carry them.
   */
  /**
   * `changeId`: the change the confirmer saw (pages always send it): if it was withdrawn and
   * another asked meanwhile, nothing is confirmed — no one confirms details they did not check.
   */
  async confirmBankDetails(actor: Actor, id: string, changeId?: string): Promise<AssociationDto> {
    return this.dataSource.transaction(async (em) => {
      const association = await this.lock(em, id);
      const change = await this.lockPendingBankDetails(em, id);
      if (changeId !== undefined && change.id !== changeId)
        throw ASSOCIATION_ERRORS.error('BANK_DETAILS_CHANGE_REPLACED');
      await assertTwoPeople(
        em,
        change.requestedBy,
        actor.id,
        'Le changement de coordonnées bancaires',
      );
      if (!change.documentSha256)
        throw ASSOCIATION_ERRORS.error('BANK_DETAILS_DOCUMENT_REQUIRED', { id });
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
        after: {
          iban: maskIban(change.iban),
          bic: change.bic,
          requestedBy: change.requestedBy,
          documentSha256: change.documentSha256,
        },
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

  /**
   * The accredited associations nearest a postal code, without geodata: the same postal code
   * first, then the same département, nearest code first (codes of one département are numbered
   * by area), then the rest. For a covering letter and a booklet's page.
   */
  async nearby(postalCode: string, limit: number): Promise<PublicAssociationDto[]> {
    const rows = await queryRows<{
      name: string;
      address: string;
      postal_code: string;
      city: string;
      phone: string | null;
      email: string;
      opening_hours: string | null;
      activities: string[];
    }>(
      this.dataSource.manager,
      `SELECT a.name, a.address, a.postal_code, a.city, a.phone, a.email, a.opening_hours, a.activities
         FROM association a
        WHERE EXISTS (SELECT 1 FROM accreditation x WHERE x.association_id = a.id AND x.status = 'ACTIVE'
                        AND x.valid_from <= $2 AND x.valid_until >= $2)
        ORDER BY a.postal_code = $1 DESC, left(a.postal_code, 2) = left($1, 2) DESC,
                 abs(a.postal_code::int - $1::int), a.name
        LIMIT $3`,
      [postalCode, parisToday(), limit],
    );
    return rows.map((a) => ({
      name: a.name,
      address: a.address,
      postalCode: a.postal_code,
      city: a.city,
      phone: a.phone,
      email: a.email,
      openingHours: a.opening_hours,
      activities: a.activities,
    }));
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
      openingHours: a.openingHours,
      iban: actor.role === 'ADMIN' ? a.iban : maskIban(a.iban),
      bic: a.bic,
      activities: a.activities,
      accreditedToday: accreditations.some(
        (x) => x.status === 'ACTIVE' && x.validFrom <= today && x.validUntil >= today,
      ),
      accreditations: accreditations.map((x) => AccreditationDto.from(x, decisions)),
      pendingBankDetails: pending
        ? {
            id: pending.id,
            iban: actor.role === 'ADMIN' ? pending.iban : maskIban(pending.iban),
            bic: pending.bic,
            requestedBy: pending.requestedBy,
            requestedAt: pending.requestedAt.toISOString(),
            documentSha256: pending.documentSha256,
          }
        : null,
    };
  }

  /**
   * The association's row, FOR NO KEY UPDATE (second in the lock order, after a claim): claims,
   * cut-offs and statement issues serialize on it; inserts that reference it are not blocked.
   */
  /**
   * Who an association's messages go to: its contact address and its staff's active accounts.
   */
  async messageRecipients(em: EntityManager, association: Association): Promise<string[]> {
    return [
      association.email,
      ...(await this.users.activeEmails(em, ['ASSOCIATION'], association.id)),
    ];
  }

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
        errors.push({
          field: 'siret',
          message: 'siret must be 14 digits with a valid checksum',
          fr: 'doit compter 14 chiffres et être un numéro SIRET valide',
        });
    }
    if (dto.iban !== undefined) {
      const iban = normalizeIban(dto.iban);
      if (!iban)
        errors.push({
          field: 'iban',
          message: 'iban is not a valid IBAN',
          fr: 'n’est pas un IBAN valide',
        });
      else out.iban = iban;
    }
    if (dto.bic !== undefined) {
      out.bic = dto.bic.toUpperCase();
      if (!isBic(out.bic))
        errors.push({
          field: 'bic',
          message: 'bic is not a valid BIC',
          fr: 'n’est pas un BIC valide',
        });
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
