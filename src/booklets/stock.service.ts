import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { canActOnSite, siteFilter } from '../common/access/scope';
import {
  invalidTransition,
  NotFoundError,
  ValidationFailedError,
} from '../common/errors/common.errors';
import { Page } from '../common/pagination';
import { parisToday } from '../common/dates';
import { AppConfig } from '../config/app-config';
import { ProgrammesService } from '../programmes/programmes.service';
import { SitesService } from '../sites/sites.service';
import { StockTransfer } from './booklet.entity';
import { BOOKLET_ERRORS } from './booklet.errors';
import { describeNumbers, expandRanges } from './booklet-numbers';
import { ChequesService } from './cheques.service';
import {
  CreateTransferDto,
  LossResultDto,
  ReportLossDto,
  StockDto,
  TransferDto,
  TransferQueryDto,
} from './dto/booklet.dto';
import * as queries from './stock.queries';

/** At most this many problem numbers are named in a refusal. */
const PROBLEMS_SHOWN = 10;

/**
 * Stock at distribution sites: transfers between sites (received on arrival), losses reported by
 * range (booklets and cheques cancelled, their value released), and the counts per site.
 */
@Injectable()
export class StockService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly programmes: ProgrammesService,
    private readonly sites: SitesService,
    private readonly cheques: ChequesService,
    private readonly config: AppConfig,
  ) {}

  async stock(actor: Actor): Promise<StockDto> {
    const ageingDays = this.config.get('STOCK_AGEING_DAYS');
    const rows = await queries.stock(
      this.dataSource.manager,
      siteFilter(actor) ?? null,
      ageingDays,
    );
    return {
      ageingDays,
      rows: rows.map((r) => ({
        siteId: r.site_id,
        siteName: r.site_name,
        programmeId: r.programme_id,
        programmeName: r.programme_name,
        inStock: r.in_stock,
        inTransit: r.in_transit,
        handedOut: r.handed_out,
        started: r.started,
        cancelled: r.cancelled,
        aged: r.aged,
        oldestDays: r.oldest_days,
      })),
    };
  }

  /**
   * A programme's distribution at a glance: booklets in stock, handed out, cancelled, the rate
   * handed out; and, when it ends within `warnDays`, the stock not handed out per site and the
   * booklets handed out with cheques left (the dashboard warns 30 days before the end).
   */
  async programmeDistribution(programme: { id: string; expiresOn: string }, warnDays = 30) {
    const em = this.dataSource.manager;
    const by = new Map(
      (await queries.bookletStatuses(em, programme.id)).map((r) => [r.status, r.n]),
    );
    const inStock = by.get('IN_STOCK') ?? 0;
    const handedOut = by.get('ACTIVE') ?? 0;
    const today = parisToday();
    const daysLeft = Math.round(
      (Date.parse(`${programme.expiresOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) /
        86_400_000,
    );
    const rows =
      daysLeft >= 0 && daysLeft <= warnDays ? await queries.ending(em, programme.id) : null;
    return {
      inStock,
      handedOut,
      cancelled: by.get('CANCELLED') ?? 0,
      handedOutRate:
        inStock + handedOut ? Math.round((100 * handedOut) / (inStock + handedOut)) : null,
      ending: rows && {
        daysLeft,
        stock: rows
          .filter((r) => r.site_name && r.in_stock > 0)
          .map((r) => ({ site: r.site_name!, inStock: r.in_stock })),
        activeWithUnused: rows.reduce((n, r) => n + r.active_with_unused, 0),
        unusedCheques: rows.reduce((n, r) => n + r.unused_cheques, 0),
      },
    };
  }

  /** Sends booklets in stock at one site to another; they are stock of neither until received. */
  async transfer(actor: Actor, dto: CreateTransferDto): Promise<TransferDto> {
    if (dto.fromSiteId === dto.toSiteId)
      throw ValidationFailedError.field(
        'toSiteId',
        'a transfer goes to another site',
        'un transfert va vers un autre lieu',
      );
    const numbers = expandRanges(dto.ranges, 'ranges');
    return this.dataSource.transaction(async (em) => {
      // Lock order: sites (ascending id), then booklets (ascending id).
      const [first, second] = [dto.fromSiteId, dto.toSiteId].sort();
      const locked = new Map<string, { id: string; name: string }>();
      for (const id of [first, second])
        locked.set(id, await this.sites.lockOpen(em, actor, id, id === dto.fromSiteId));
      const from = locked.get(dto.fromSiteId)!;
      const to = locked.get(dto.toSiteId)!;
      const booklets = await this.available(em, numbers, from, true);
      const transfer = await em.save(
        em.create(StockTransfer, {
          fromSiteId: from.id,
          toSiteId: to.id,
          status: 'IN_TRANSIT',
          bookletCount: booklets.length,
          sentBy: actor.id,
        }),
      );
      await queries.markInTransit(
        em,
        transfer.id,
        booklets.map((b) => b.id),
      );
      await this.audit.record(em, actor, {
        action: 'stock.transfer_sent',
        entityType: 'stock_transfer',
        entityId: transfer.id,
        after: {
          status: 'IN_TRANSIT',
          fromSiteId: from.id,
          toSiteId: to.id,
          bookletCount: booklets.length,
          numbers: describeNumbers(numbers),
        },
      });
      return this.transferDto(em, actor, transfer.id);
    });
  }

  /** The receiving site records the arrival: the booklets become its stock. */
  async receive(actor: Actor, id: string): Promise<TransferDto> {
    return this.dataSource.transaction(async (em) => {
      const transfer = await em.findOne(StockTransfer, {
        where: { id },
        lock: { mode: 'for_no_key_update' },
      });
      if (
        !transfer ||
        (!canActOnSite(actor, transfer.fromSiteId) && !canActOnSite(actor, transfer.toSiteId))
      )
        throw new NotFoundError('Transfert', id);
      if (!canActOnSite(actor, transfer.toSiteId))
        throw BOOKLET_ERRORS.error('TRANSFER_RECEIVER_ONLY');
      let received = 0;
      await this.audit.changeState(em, actor, transfer, {
        action: 'stock.transfer_received',
        entityType: 'stock_transfer',
        from: ['IN_TRANSIT'],
        to: 'RECEIVED',
        refuse: (current) => invalidTransition('Ce transfert', current, 'réceptionner'),
        set: { receivedAt: new Date(), receivedBy: actor.id },
        thenWrite: async () => {
          received = await queries.receiveBooklets(em, transfer.id, transfer.toSiteId);
        },
        after: { toSiteId: transfer.toSiteId, receivedBooklets: received },
      });
      return this.transferDto(em, actor, id);
    });
  }

  async transfers(actor: Actor, q: TransferQueryDto): Promise<Page<TransferDto>> {
    const rows = await queries.transfers(this.dataSource.manager, {
      sites: siteFilter(actor) ?? null,
      status: q.status ?? null,
      id: null,
      limit: q.pageSize,
      offset: q.offset,
    });
    return {
      items: rows.map((r) => this.toDto(actor, r)),
      total: rows[0]?.total ?? 0,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /**
   * Booklets lost or stolen from a site's stock, by range: every one must be in stock there; they
   * and their cheques are cancelled and the value goes back to each programme's budget, at once.
   */
  async reportLoss(actor: Actor, dto: ReportLossDto): Promise<LossResultDto> {
    const numbers = expandRanges([dto.range], 'range');
    return this.dataSource.transaction(async (em) => {
      const site = await this.sites.get(actor, dto.siteId, em);
      // Lock order: programmes, then booklets, then cheques. The programmes are known only from the
      // booklets: read them, lock the programmes, then lock and check the booklets.
      const seen = await em.query<{ programme_id: string }[]>(
        `SELECT DISTINCT programme_id FROM booklet WHERE number = ANY($1::varchar[])`,
        [numbers],
      );
      const programmes = await this.programmes.lockForBudget(
        em,
        seen.map((r) => r.programme_id),
      );
      const booklets = await this.available(em, numbers, site, false);
      const cheques = await this.cheques.cancelBooklets(
        em,
        booklets.map((b) => b.id),
      );
      let released = 0;
      for (const programme of programmes) {
        const cents = cheques
          .filter((c) => c.programmeId === programme.id)
          .reduce((sum, c) => sum + c.faceValueCents, 0);
        if (cents > 0) await this.programmes.release(em, programme, cents);
        released += cents;
      }
      const cancelled = await queries.cancelStock(
        em,
        booklets.map((b) => b.id),
        { reason: dto.reason, comment: dto.comment, by: actor.id },
      );
      const result: LossResultDto = {
        cancelledBooklets: cancelled,
        cancelledCheques: cheques.length,
        releasedCents: released,
        numbers: describeNumbers(numbers),
      };
      await this.audit.record(em, actor, {
        action: 'stock.loss_reported',
        entityType: 'distribution_site',
        entityId: site.id,
        before: { status: 'IN_STOCK', bookletCount: booklets.length },
        after: { status: 'CANCELLED', reason: dto.reason, comment: dto.comment, ...result },
      });
      return result;
    });
  }

  /**
   * Locks the booklets of these numbers and refuses, naming them, any that is not in stock at the
   * site (unknown, handed out, cancelled, at another site; in transit too when `notInTransit`).
   */
  private async available(
    em: EntityManager,
    numbers: string[],
    site: { id: string; name: string },
    notInTransit: boolean,
  ): Promise<queries.StockBookletRow[]> {
    const rows = await queries.lockBookletsByNumber(em, numbers);
    const byNumber = new Map(rows.map((r) => [r.number, r]));
    const problems: string[] = [];
    for (const n of numbers) {
      const b = byNumber.get(n);
      const why = !b
        ? 'inconnu'
        : b.status === 'ACTIVE'
          ? 'déjà remis'
          : b.status === 'CANCELLED'
            ? 'annulé'
            : b.site_id !== site.id
              ? 'en stock ailleurs'
              : notInTransit && b.transfer_id
                ? 'en cours de transfert'
                : null;
      if (why) problems.push(`${n} (${why})`);
    }
    if (problems.length)
      throw BOOKLET_ERRORS.error(
        'STOCK_NOT_AVAILABLE',
        {
          site: site.name,
          problems:
            problems.slice(0, PROBLEMS_SHOWN).join(', ') +
            (problems.length > PROBLEMS_SHOWN
              ? ` et ${problems.length - PROBLEMS_SHOWN} autres`
              : ''),
        },
        { problemCount: problems.length },
      );
    return rows;
  }

  private async transferDto(em: EntityManager, actor: Actor, id: string): Promise<TransferDto> {
    const [row] = await queries.transfers(em, {
      sites: null,
      status: null,
      id,
      limit: 1,
      offset: 0,
    });
    return this.toDto(actor, row);
  }

  private toDto(actor: Actor, r: queries.TransferRow): TransferDto {
    return {
      id: r.id,
      fromSiteId: r.from_site_id,
      fromSiteName: r.from_site_name,
      toSiteId: r.to_site_id,
      toSiteName: r.to_site_name,
      status: r.status,
      bookletCount: r.booklet_count,
      numbers: describeNumbers(r.numbers),
      sentAt: r.sent_at.toISOString(),
      receivedAt: r.received_at?.toISOString() ?? null,
      canReceive: r.status === 'IN_TRANSIT' && canActOnSite(actor, r.to_site_id),
    };
  }
}
