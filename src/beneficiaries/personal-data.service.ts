import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { frenchDate, parisToday } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { AppConfig } from '../config/app-config';
import { BeneficiaryDto } from './dto/beneficiary.dto';
import { ErasureResultDto, PersonalDataExportDto, RetentionRunDto } from './dto/personal-data.dto';
import { Beneficiary } from './beneficiary.entity';
import { ADVISORY_LOCKS } from '../database/advisory-locks';
import { BENEFICIARY_ERRORS } from './beneficiary.errors';
import * as queries from './personal-data.queries';

/** Only one instance runs the retention job at a time. */
const RETENTION_LOCK = ADVISORY_LOCKS.retention;

@Injectable()
export class PersonalDataService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private get years(): number {
    return this.config.get('PERSONAL_DATA_RETENTION_YEARS');
  }

  private async find(em: EntityManager, reference: string, lock = false): Promise<Beneficiary> {
    const beneficiary = await em.findOne(Beneficiary, {
      where: { reference },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!beneficiary) throw new NotFoundError('Bénéficiaire', reference);
    return beneficiary;
  }

  /** Everything kept about one beneficiary, for a request of access or portability. Audited. */
  async export(actor: Actor, reference: string): Promise<PersonalDataExportDto> {
    return this.dataSource.transaction(async (em) => {
      const beneficiary = await this.find(em, reference);
      const rows = await queries.chequeHistory(em, beneficiary.id);
      const booklets = new Map<string, PersonalDataExportDto['booklets'][number]>();
      for (const r of rows) {
        if (!booklets.has(r.number))
          booklets.set(r.number, {
            number: r.number,
            programme: r.programme,
            status: r.status,
            issuedAt: r.issued_at.toISOString(),
            cheques: [],
          });
        booklets.get(r.number)!.cheques.push({
          position: r.position,
          status: r.cheque_status,
          faceValueCents: Number(r.face_value_cents),
          redemption: r.session_date
            ? {
                sessionDate: r.session_date,
                activity: r.activity!,
                associationName: r.association_name!,
                amountCents: Number(r.amount_cents),
              }
            : null,
        });
      }
      const until = await queries.retainedUntil(em, beneficiary.id, this.years);
      await this.audit.record(em, actor, {
        action: 'beneficiary.exported',
        entityType: 'beneficiary',
        entityId: beneficiary.id,
      });
      return {
        exportedAt: new Date().toISOString(),
        beneficiary: BeneficiaryDto.from(beneficiary),
        erasedAt: beneficiary.erasedAt ? beneficiary.erasedAt.toISOString() : null,
        booklets: [...booklets.values()],
        retainedUntil: until,
      };
    });
  }

  /**
   * Erasure on request. Refused, with the reason, while a booklet of theirs can still be used
   * (cancel it first) or while their redeemed cheques justify public payments whose records must
   * be kept (until the programme's claim deadline + the retention period).
   */
  async erase(actor: Actor, reference: string): Promise<ErasureResultDto> {
    return this.dataSource.transaction(async (em) => {
      const beneficiary = await this.find(em, reference, true);
      if (beneficiary.erasedAt) throw BENEFICIARY_ERRORS.error('ALREADY_ERASED');
      const today = parisToday();
      const open = await queries.usableBooklet(em, beneficiary.id, today);
      if (open) throw BENEFICIARY_ERRORS.error('BENEFICIARY_HAS_ACTIVE_BOOKLET', { number: open });
      const kept = await queries.keptRecords(em, beneficiary.id, this.years, today);
      if (kept)
        throw BENEFICIARY_ERRORS.error('ACCOUNTING_RECORDS_KEPT', {
          programme: kept.programme,
          until: frenchDate(kept.until),
        });
      const [erased] = await queries.eraseBeneficiaries(em, [beneficiary.id]);
      await this.audit.record(em, actor, {
        action: 'beneficiary.erased',
        entityType: 'beneficiary',
        entityId: beneficiary.id,
        before: {
          reference,
          hadNames: beneficiary.firstName !== null || beneficiary.lastName !== null,
        },
        after: { reference: erased.reference, reason: 'request' },
      });
      return { reference: erased.reference, erasedAt: erased.erased_at.toISOString() };
    });
  }

  /**
   * The retention job: erases the personal fields of every beneficiary whose programmes' claim
   * deadlines are all more than N years past. One transaction, one audit event listing who.
   */
  async runRetention(actor: Actor | null, today = parisToday()): Promise<RetentionRunDto> {
    return this.dataSource.transaction(async (em) => {
      const locked = await queries.tryRetentionLock(em, RETENTION_LOCK);
      if (!locked) return { erased: 0, today };
      const due = await queries.lockDueForRetention(em, this.years, today);
      if (due.length === 0) return { erased: 0, today };
      const erased = await queries.eraseBeneficiaries(em, due);
      await this.audit.record(em, actor, {
        action: 'beneficiary.retention_erased',
        entityType: 'beneficiary',
        after: {
          count: erased.length,
          retentionYears: this.years,
          today,
          beneficiaryIds: erased.map((e) => e.id),
        },
      });
      return { erased: erased.length, today };
    });
  }
}
