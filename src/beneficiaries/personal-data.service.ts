import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { frenchDate, parisToday } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { AppConfig } from '../config/app-config';
import { queryRows } from '../database/sql';
import { BeneficiaryDto } from './dto/beneficiary.dto';
import { ErasureResultDto, PersonalDataExportDto, RetentionRunDto } from './dto/personal-data.dto';
import { Beneficiary } from './beneficiary.entity';
import { ADVISORY_LOCKS } from '../database/advisory-locks';
import { BENEFICIARY_ERRORS } from './beneficiary.errors';

/** Only one instance runs the retention job at a time. */
const RETENTION_LOCK = ADVISORY_LOCKS.retention;

/**
 * What erasure does: the names and the dossier reference (which points to a social-services file)
 * go; the postal code, age band and need category stay, as they feed only aggregated figures
 * shown under the small-cell rule. Booklets, cheques, redemptions and statements are untouched:
 * the accounting stays whole.
 */
const ERASE_SQL = `UPDATE beneficiary
    SET first_name = NULL, last_name = NULL, erased_at = now(),
        reference = 'EFFACE-' || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 16))
  WHERE id = ANY($1::uuid[]) AND erased_at IS NULL
  RETURNING id, reference, erased_at`;

/** The day after which a beneficiary's data may go: the latest claim deadline of their programmes + N years. */
const RETAINED_UNTIL_SQL = `SELECT (max(p.claim_deadline) + make_interval(years => $2))::date::text AS until
    FROM booklet b JOIN programme p ON p.id = b.programme_id WHERE b.beneficiary_id = $1`;

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
      const rows = await queryRows<{
        number: string;
        programme: string;
        status: string;
        issued_at: Date;
        position: number;
        cheque_status: string;
        face_value_cents: string;
        session_date: string | null;
        activity: string | null;
        association_name: string | null;
        amount_cents: string | null;
      }>(
        em,
        `SELECT b.number, p.name AS programme, b.status, b.issued_at, c.position, c.status AS cheque_status,
                c.face_value_cents, r.session_date::text, r.activity, a.name AS association_name, l.amount_cents
           FROM booklet b JOIN programme p ON p.id = b.programme_id
           JOIN cheque c ON c.booklet_id = b.id
           LEFT JOIN redemption_line l ON l.cheque_id = c.id AND l.active
           LEFT JOIN redemption r ON r.id = l.redemption_id
           LEFT JOIN association a ON a.id = r.association_id
          WHERE b.beneficiary_id = $1 ORDER BY b.number, c.position`,
        [beneficiary.id],
      );
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
      const [{ until }] = await queryRows<{ until: string }>(em, RETAINED_UNTIL_SQL, [
        beneficiary.id,
        this.years,
      ]);
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
      const [open] = await queryRows<{ number: string }>(
        em,
        `SELECT b.number FROM booklet b JOIN programme p ON p.id = b.programme_id
          WHERE b.beneficiary_id = $1 AND b.status = 'ACTIVE' AND p.expires_on >= $2
            AND EXISTS (SELECT 1 FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'ISSUED')
          ORDER BY b.number LIMIT 1`,
        [beneficiary.id, today],
      );
      if (open)
        throw BENEFICIARY_ERRORS.error('BENEFICIARY_HAS_ACTIVE_BOOKLET', { number: open.number });
      const [kept] = await queryRows<{ programme: string; until: string }>(
        em,
        `SELECT p.name AS programme, (p.claim_deadline + make_interval(years => $2))::date::text AS until
           FROM booklet b JOIN programme p ON p.id = b.programme_id
          WHERE b.beneficiary_id = $1 AND (p.claim_deadline + make_interval(years => $2))::date >= $3
            AND EXISTS (SELECT 1 FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'REDEEMED')
          ORDER BY 2 DESC LIMIT 1`,
        [beneficiary.id, this.years, today],
      );
      if (kept)
        throw BENEFICIARY_ERRORS.error('ACCOUNTING_RECORDS_KEPT', {
          programme: kept.programme,
          until: frenchDate(kept.until),
        });
      const [erased] = await queryRows<{ reference: string; erased_at: Date }>(em, ERASE_SQL, [
        [beneficiary.id],
      ]);
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
      const [{ locked }] = await queryRows<{ locked: boolean }>(
        em,
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [RETENTION_LOCK],
      );
      if (!locked) return { erased: 0, today };
      const due = await queryRows<{ id: string }>(
        em,
        `SELECT ben.id FROM beneficiary ben
          WHERE ben.erased_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM booklet b JOIN programme p ON p.id = b.programme_id
                             WHERE b.beneficiary_id = ben.id
                               AND (p.claim_deadline + make_interval(years => $1))::date >= $2::date)
          ORDER BY ben.id FOR UPDATE`,
        [this.years, today],
      );
      if (due.length === 0) return { erased: 0, today };
      const erased = await queryRows<{ id: string }>(em, ERASE_SQL, [due.map((d) => d.id)]);
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
