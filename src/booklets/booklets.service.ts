import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { BeneficiariesService } from '../beneficiaries/beneficiaries.service';
import { Beneficiary } from '../beneficiaries/beneficiary.entity';
import { BeneficiaryDto } from '../beneficiaries/dto/beneficiary.dto';
import { parisToday, parisYear } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { Page, pageOf, PageQueryDto } from '../common/pagination';
import { Programme } from '../programmes/programme.entity';
import { ProgrammesService } from '../programmes/programmes.service';
import { Booklet, PrintBatch } from './booklet.entity';
import { Cheque } from './cheque.entity';
import { formatChequeCode, generateChequeCode } from './codes/cheque-code';
import { generateCoverToken } from './codes/cover-token';
import { coverUrl } from './pdf/booklet-renderer';
import { canActOnSite, siteFilter } from '../common/access/scope';
import { AppConfig } from '../config/app-config';
import { SitesService } from '../sites/sites.service';
import {
  BookletDto,
  BookletQueryDto,
  BookletSummaryDto,
  CancelBookletDto,
  CancelResultDto,
  CreateBatchDto,
  IssueBookletDto,
  PrintBatchDto,
} from './dto/booklet.dto';
import { chequeState } from './cheque-state';
import { ChequesService } from './cheques.service';
import { BOOKLET_ERRORS } from './booklet.errors';
import * as queries from './booklet.queries';

/** Booklets inserted per statement (with their cheques). */
const BOOKLET_CHUNK = 500;

interface NewBooklets {
  /** IN_STOCK at a site (print runs), or ACTIVE: handed over at issue. */
  stockAt: string | null;
  beneficiaryId: string | null;
  batchId: string | null;
  chequeCount: number;
  replacesBookletId: string | null;
}

@Injectable()
export class BookletsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly programmes: ProgrammesService,
    private readonly beneficiaries: BeneficiariesService,
    private readonly cheques: ChequesService,
    private readonly sites: SitesService,
    config: AppConfig,
  ) {
    this.baseUrl = config.get('PUBLIC_BASE_URL');
  }

  private readonly baseUrl: string;

  /** One booklet for one beneficiary: budget committed, number and codes assigned, all in one transaction. */
  async issue(actor: Actor, dto: IssueBookletDto): Promise<BookletDto> {
    return this.dataSource.transaction(async (em) => {
      const programme = await this.programmes.lockForIssuance(em, dto.programmeId);
      const beneficiary = dto.beneficiary
        ? await this.beneficiaries.create(em, dto.beneficiary, programme.allowBeneficiaryNames)
        : null;
      const [created] = await this.insertBooklets(em, programme, actor, 1, {
        stockAt: null,
        beneficiaryId: beneficiary?.id ?? null,
        batchId: null,
        chequeCount: programme.chequesPerBooklet,
        replacesBookletId: null,
      });
      await this.audit.record(em, actor, {
        action: 'booklet.issued',
        entityType: 'booklet',
        entityId: created.id,
        after: {
          number: created.number,
          programmeId: programme.id,
          chequeCount: programme.chequesPerBooklet,
          beneficiaryReference: beneficiary?.reference ?? null,
        },
      });
      return this.detail(em, created.id);
    });
  }

  /**
   * A print run of anonymous booklets, in one transaction: they are stock of the site (IN_STOCK),
   * their cheques refused until each booklet is handed over.
   */
  async createBatch(actor: Actor, dto: CreateBatchDto): Promise<PrintBatchDto> {
    return this.dataSource.transaction(async (em) => {
      // Lock order: programme, then site, then booklets and cheques.
      const programme = await this.programmes.lockForIssuance(em, dto.programmeId);
      const site = await this.sites.lockOpen(em, actor, dto.siteId);
      const batch = em.create(PrintBatch, {
        programmeId: programme.id,
        bookletCount: dto.count,
        siteId: site.id,
        createdBy: actor.id,
      });
      await em.save(batch);
      const created = await this.insertBooklets(em, programme, actor, dto.count, {
        stockAt: site.id,
        beneficiaryId: null,
        batchId: batch.id,
        chequeCount: programme.chequesPerBooklet,
        replacesBookletId: null,
      });
      const result: PrintBatchDto = {
        id: batch.id,
        programmeId: programme.id,
        bookletCount: dto.count,
        siteId: site.id,
        distributionSite: site.name,
        firstNumber: created[0].number,
        lastNumber: created[created.length - 1].number,
        createdAt: batch.createdAt.toISOString(),
      };
      await this.audit.record(em, actor, {
        action: 'print_batch.created',
        entityType: 'print_batch',
        entityId: batch.id,
        after: {
          ...result,
          chequeCount: dto.count * programme.chequesPerBooklet,
          committedCents: dto.count * programme.chequesPerBooklet * programme.faceValueCents,
        },
      });
      return result;
    });
  }

  /**
   * Cancels a booklet: its unredeemed cheques become CANCELLED and their value goes back to the
   * budget; with `replace`, a new booklet with as many cheques is issued and linked to it.
   */
  async cancel(actor: Actor, id: string, dto: CancelBookletDto): Promise<CancelResultDto> {
    return this.dataSource.transaction(async (em) => {
      const found = await em.findOneBy(Booklet, { id });
      if (!found) throw new NotFoundError('Carnet', id);
      // Lock order everywhere: programme, then booklet, then cheques.
      const programme = dto.replace
        ? await this.programmes.lockForIssuance(em, found.programmeId, 'replace')
        : await em.findOneOrFail(Programme, {
            where: { id: found.programmeId },
            lock: { mode: 'for_no_key_update' },
          });
      // FOR NO KEY UPDATE, not FOR UPDATE: a redemption in flight holds its cheques and then
      // needs the FOR KEY SHARE that its line's foreign key to the booklet takes; FOR UPDATE here
      // would wait on its cheques while it waits on this booklet (deadlock 40P01).
      const booklet = await em.findOneOrFail(Booklet, {
        where: { id },
        lock: { mode: 'for_no_key_update' },
      });
      const refuse = () => BOOKLET_ERRORS.error('BOOKLET_ALREADY_CANCELLED');
      if (booklet.status === 'CANCELLED') throw refuse();

      // a booklet still in stock is replaced by one in stock at the same site (read before the
      // status changes)
      const stockAt = booklet.status === 'IN_STOCK' ? booklet.siteId : null;
      const cancelled = await this.cheques.cancelBooklet(em, id);
      const released = cancelled.length * booklet.faceValueCents;
      await this.programmes.release(em, programme, released);
      const issued: { replacement: { id: string; number: string } | null } = { replacement: null };
      await this.audit.changeState(em, actor, booklet, {
        action: 'booklet.cancelled',
        entityType: 'booklet',
        from: ['IN_STOCK', 'ACTIVE'],
        to: 'CANCELLED',
        refuse,
        set: {
          cancelReason: dto.reason,
          cancelComment: dto.comment ?? null,
          cancelledAt: new Date(),
          cancelledBy: actor.id,
          transferId: null,
        },
        // the replacement is issued before the audit events, which come last
        thenWrite: async () => {
          if (dto.replace && cancelled.length > 0)
            [issued.replacement] = await this.insertBooklets(em, programme, actor, 1, {
              stockAt,
              beneficiaryId: booklet.beneficiaryId,
              batchId: null,
              chequeCount: cancelled.length,
              replacesBookletId: booklet.id,
            });
        },
        after: {
          reason: dto.reason,
          comment: dto.comment ?? null,
          cancelledCheques: cancelled.length,
          releasedCents: released,
        },
      });
      const created = issued.replacement;
      if (created)
        await this.audit.record(em, actor, {
          action: 'booklet.issued',
          entityType: 'booklet',
          entityId: created.id,
          after: {
            number: created.number,
            programmeId: programme.id,
            chequeCount: cancelled.length,
            replaces: booklet.number,
          },
        });
      const replacement = created ? await this.detail(em, created.id) : null;
      return {
        cancelled: await this.detail(em, id),
        cancelledCheques: cancelled.length,
        replacement,
      };
    });
  }

  /** One booklet, as the caller may see it: a prescriber sees their sites' booklets only (404). */
  async get(actor: Actor, id: string): Promise<BookletDto> {
    const dto = await this.detail(this.dataSource.manager, id);
    if (!canActOnSite(actor, dto.siteId)) throw new NotFoundError('Carnet', id);
    return dto;
  }

  async list(actor: Actor, q: BookletQueryDto): Promise<Page<BookletSummaryDto>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Booklet, 'b')
      .leftJoinAndSelect('b.beneficiary', 'ben')
      .leftJoinAndSelect('b.site', 'site')
      .orderBy('b.number', 'DESC')
      .skip(q.offset)
      .take(q.pageSize);
    const sites = siteFilter(actor);
    if (sites) query.andWhere('b.site_id = ANY(:sites)', { sites });
    if (q.siteId) query.andWhere('b.site_id = :siteId', { siteId: q.siteId });
    if (q.programmeId)
      query.andWhere('b.programme_id = :programmeId', { programmeId: q.programmeId });
    if (q.status) query.andWhere('b.status = :status', { status: q.status });
    if (q.number) query.andWhere('b.number = :number', { number: q.number });
    if (q.batchId) query.andWhere('b.batch_id = :batchId', { batchId: q.batchId });
    if (q.beneficiaryReference)
      query.andWhere('ben.reference = :ref', { ref: q.beneficiaryReference });
    if (q.beneficiaryName) {
      const start = `${q.beneficiaryName.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      query.andWhere('(lower(ben.last_name) LIKE :start OR lower(ben.first_name) LIKE :start)', {
        start,
      });
    }
    return pageOf(q, await query.getManyAndCount(), (b) => this.summary(b, b.beneficiary ?? null));
  }

  /** Print runs, newest first, with their first and last booklet numbers. */
  async listBatches(q: PageQueryDto): Promise<Page<PrintBatchDto>> {
    const rows = await this.printRuns({ limit: q.pageSize, offset: q.offset });
    return {
      items: rows.map((r) => r.dto),
      total: rows[0]?.total ?? 0,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async getBatch(id: string): Promise<PrintBatchDto> {
    const [row] = await this.printRuns({ limit: 1, offset: 0, id });
    if (!row) throw new NotFoundError("Lot d'impression", id);
    return row.dto;
  }

  private async printRuns(page: {
    limit: number;
    offset: number;
    id?: string;
  }): Promise<{ dto: PrintBatchDto; total: number }[]> {
    const rows = await queries.printRuns(this.dataSource.manager, page);
    return rows.map((r) => ({
      total: r.total,
      dto: {
        id: r.id,
        programmeId: r.programme_id,
        bookletCount: r.booklet_count,
        siteId: r.site_id,
        distributionSite: r.site_name,
        firstNumber: r.first_number,
        lastNumber: r.last_number,
        createdAt: r.created_at.toISOString(),
      },
    }));
  }

  /**
   * Inserts booklets and their cheques with array parameters (unnest), a chunk at a time, so that a
   * print run of 10,000 booklets neither builds 100,000 objects nor one huge statement.
   */
  private async insertBooklets(
    em: EntityManager,
    programme: Programme,
    actor: Actor,
    count: number,
    opts: NewBooklets,
  ): Promise<{ id: string; number: string }[]> {
    await this.programmes.commit(
      em,
      programme,
      count * opts.chequeCount * programme.faceValueCents,
    );
    const numbers = await this.nextNumbers(em, programme.departementCode, count);
    const created: { id: string; number: string }[] = [];
    for (let i = 0; i < count; i += BOOKLET_CHUNK) {
      const chunk = numbers.slice(i, i + BOOKLET_CHUNK);
      const rows = await queries.insertBooklets(
        em,
        chunk,
        chunk.map(() => generateCoverToken()),
        {
          programmeId: programme.id,
          status: opts.stockAt ? 'IN_STOCK' : 'ACTIVE',
          siteId: opts.stockAt,
          beneficiaryId: opts.beneficiaryId,
          batchId: opts.batchId,
          chequeCount: opts.chequeCount,
          faceValueCents: programme.faceValueCents,
          replacesBookletId: opts.replacesBookletId,
          issuedBy: actor.id,
        },
      );
      created.push(...rows);
      const bookletIds: string[] = [];
      const positions: number[] = [];
      const codes: string[] = [];
      for (const booklet of rows) {
        for (let p = 1; p <= opts.chequeCount; p++) {
          bookletIds.push(booklet.id);
          positions.push(p);
          codes.push(generateChequeCode());
        }
      }
      await queries.insertCheques(em, { bookletIds, positions, codes }, programme.faceValueCents);
    }
    created.sort((x, y) => (x.number < y.number ? -1 : 1));
    return created;
  }

  /** Reserves `count` consecutive booklet numbers for this département and year, under the counter's row lock. */
  private async nextNumbers(
    em: EntityManager,
    departementCode: string,
    count: number,
  ): Promise<string[]> {
    const year = parisYear();
    const last = await queries.reserveBookletNumbers(em, departementCode, year, count);
    return Array.from(
      { length: count },
      (_, i) => `${departementCode}-${year}-${String(last - count + 1 + i).padStart(6, '0')}`,
    );
  }

  async detail(em: EntityManager, id: string): Promise<BookletDto> {
    const booklet = await em.findOne(Booklet, {
      where: { id },
      relations: { beneficiary: true, programme: true, site: true },
    });
    if (!booklet) throw new NotFoundError('Carnet', id);
    const cheques = await em.find(Cheque, { where: { bookletId: id }, order: { position: 'ASC' } });
    const [replacedBy, replaces] = await Promise.all([
      em.findOne(Booklet, { where: { replacesBookletId: id }, select: { id: true, number: true } }),
      booklet.replacesBookletId
        ? em.findOne(Booklet, {
            where: { id: booklet.replacesBookletId },
            select: { id: true, number: true },
          })
        : null,
    ]);
    const today = parisToday();
    return {
      ...this.summary(booklet, booklet.beneficiary ?? null),
      beneficiary: booklet.beneficiary ? BeneficiaryDto.from(booklet.beneficiary) : null,
      replacedByBookletId: replacedBy?.id ?? null,
      replacedByBookletNumber: replacedBy?.number ?? null,
      replacesBookletNumber: replaces?.number ?? null,
      cancelReason: booklet.cancelReason,
      cancelComment: booklet.cancelComment,
      cancelledAt: booklet.cancelledAt?.toISOString() ?? null,
      cheques: cheques.map((c) => ({
        position: c.position,
        code: formatChequeCode(c.code),
        faceValueCents: c.faceValueCents,
        status: chequeState(c.status, booklet.programme!.expiresOn, today, booklet.status),
      })),
      coverUrl: coverUrl(this.baseUrl, booklet.coverToken),
    };
  }

  private summary(b: Booklet, beneficiary: Beneficiary | null): BookletSummaryDto {
    return {
      id: b.id,
      number: b.number,
      programmeId: b.programmeId,
      status: b.status,
      siteId: b.siteId,
      siteName: b.site?.name ?? null,
      transferId: b.transferId,
      handedOverAt: b.handedOverAt?.toISOString() ?? null,
      chequeCount: b.chequeCount,
      faceValueCents: b.faceValueCents,
      issuedAt: b.issuedAt.toISOString(),
      batchId: b.batchId,
      beneficiaryReference: beneficiary?.reference ?? null,
      beneficiaryName:
        [beneficiary?.firstName, beneficiary?.lastName].filter(Boolean).join(' ') || null,
      replacesBookletId: b.replacesBookletId,
    };
  }
}
