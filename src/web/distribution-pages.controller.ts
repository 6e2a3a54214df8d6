import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Render,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { BookletsService } from '../booklets/booklets.service';
import {
  BookletDto,
  BookletQueryDto,
  CreateTransferDto,
  HandoverDto,
  ReportLossDto,
  TransferQueryDto,
} from '../booklets/dto/booklet.dto';
import { HandoverService } from '../booklets/handover.service';
import { StockService } from '../booklets/stock.service';
import { DomainError } from '../common/errors/domain-error';
import { ProgrammesService } from '../programmes/programmes.service';
import { CreateSiteDto } from '../sites/dto/site.dto';
import { SitesService } from '../sites/sites.service';
import { formFields, readForm, requireConfirmation, typedFields } from './forms';
import { LABELS, options } from './labels';
import { pageAction } from './page-action';
import { flashMessage, pageModel } from './page-model';

const BOOKLET_NUMBER = /^[0-9AB]{2,3}-\d{4}-\d{6}$/;
const DONE = {
  transfert: 'Transfert enregistré : les carnets sont en route.',
  reception: 'Réception enregistrée : les carnets sont en stock ici.',
  perte: 'Perte enregistrée : ces carnets et leurs chèques sont annulés.',
  lieu: 'Lieu de remise créé.',
};

/** Distribution: handing a booklet over (scan or number), the stock of sites, the sites. */
@ApiExcludeController()
@Controller()
export class DistributionPagesController {
  constructor(
    private readonly booklets: BookletsService,
    private readonly handovers: HandoverService,
    private readonly stock: StockService,
    private readonly sites: SitesService,
    private readonly programmes: ProgrammesService,
  ) {}

  /** Scan a cover's QR or type a booklet number; the booklet found opens its handover form. */
  @Get('remise')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @Render('distribution/find')
  async find(@CurrentUser() actor: Actor, @Query('carnet') input?: string) {
    const model = (extra: object) =>
      pageModel(actor, 'Remettre un carnet', '/remise', { carnet: input ?? '', ...extra });
    const typed = typeof input === 'string' ? input.trim() : '';
    if (!typed) return model({});
    let found: BookletDto | null = null;
    try {
      if (BOOKLET_NUMBER.test(typed.toUpperCase())) {
        const [hit] = (
          await this.booklets.list(
            actor,
            await readForm(BookletQueryDto, { number: typed.toUpperCase(), pageSize: 1 }),
          )
        ).items;
        if (hit) found = await this.booklets.get(actor, hit.id);
      } else found = await this.handovers.byCover(actor, typed);
    } catch (err) {
      if (!(err instanceof DomainError) || err.status !== 404) throw err;
    }
    if (!found)
      return model({
        notFound: 'Aucun carnet de vos lieux de remise ne correspond. Vérifiez le numéro.',
      });
    return this.handoverModel(actor, found, {});
  }

  @Post('remise/:id')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  async handover(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        await this.handovers.handover(actor, id, await readForm(HandoverDto, fields));
        return `/remise/${id}/fait`;
      },
      async (errors) => [
        'distribution/find',
        await this.handoverModel(actor, await this.booklets.get(actor, id), {
          errors,
          form: fields,
        }),
      ],
    );
  }

  @Get('remise/:id/fait')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @Render('distribution/handed')
  async handed(@CurrentUser() actor: Actor, @Param('id', ParseUUIDPipe) id: string) {
    const booklet = await this.booklets.get(actor, id);
    return pageModel(actor, 'Carnet remis', '/remise', { booklet });
  }

  private async handoverModel(actor: Actor, booklet: BookletDto, extra: object) {
    const programme = await this.programmes.get(booklet.programmeId);
    return {
      ...pageModel(actor, `Carnet ${booklet.number}`, '/remise', {
        booklet,
        programme,
        statusLabel: LABELS.bookletStatus[booklet.status],
        canHandOver: booklet.status === 'IN_STOCK' && !booklet.transferId,
        namesAllowed: programme.allowBeneficiaryNames,
        ageBands: options(LABELS.ageBand),
        needs: options(LABELS.needCategory),
        form: {},
        ...extra,
      }),
    };
  }

  @Get('stock')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @Render('distribution/stock')
  async stockPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.stockModel(actor, { flash: flashMessage(DONE, done) });
  }

  private async stockModel(actor: Actor, extra: object) {
    const [stock, transfers, sites, allSites] = await Promise.all([
      this.stock.stock(actor),
      this.stock.transfers(actor, await readForm(TransferQueryDto, { pageSize: 50 })),
      this.sites.list(actor),
      this.sites.list({ ...actor, role: 'AGENT' }),
    ]);
    const sum = (k: 'inStock' | 'inTransit' | 'handedOut' | 'started' | 'cancelled' | 'aged') =>
      stock.rows.reduce((n, r) => n + r[k], 0);
    return pageModel(actor, 'Stock des lieux de remise', '/stock', {
      stock,
      departement: actor.role !== 'PRESCRIBER',
      totals:
        stock.rows.length > 1
          ? {
              inStock: sum('inStock'),
              inTransit: sum('inTransit'),
              handedOut: sum('handedOut'),
              started: sum('started'),
              cancelled: sum('cancelled'),
              aged: sum('aged'),
            }
          : null,
      transfers: transfers.items.map((t) => ({
        ...t,
        statusLabel: LABELS.transferStatus[t.status],
      })),
      sites: sites.filter((s) => s.active),
      destinations: allSites.filter((s) => s.active),
      reasons: options(LABELS.cancelReason),
      form: {},
      ...extra,
    });
  }

  @Post('stock/transferts')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  async transfer(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        await this.stock.transfer(
          actor,
          await readForm(CreateTransferDto, {
            fromSiteId: fields.fromSiteId,
            toSiteId: fields.toSiteId,
            ranges: [{ first: fields.first, ...(fields.last ? { last: fields.last } : {}) }],
          }),
        );
        return '/stock?fait=transfert';
      },
      async (errors) => [
        'distribution/stock',
        await this.stockModel(actor, { transferErrors: errors, form: fields }),
      ],
    );
  }

  @Post('stock/transferts/:id/reception')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  async receive(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        await this.stock.receive(actor, id);
        return '/stock?fait=reception';
      },
      async (errors) => [
        'distribution/stock',
        await this.stockModel(actor, { transferErrors: errors }),
      ],
    );
  }

  @Post('stock/pertes')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  async loss(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        // irreversible: the page asks for an explicit confirmation
        requireConfirmation(fields, 'confirmLoss', 'cochez la case pour confirmer l’annulation');
        await this.stock.reportLoss(
          actor,
          await readForm(ReportLossDto, {
            siteId: fields.lossSiteId,
            range: {
              first: fields.lossFirst,
              ...(fields.lossLast ? { last: fields.lossLast } : {}),
            },
            reason: fields.reason,
            comment: fields.comment,
          }),
        );
        return '/stock?fait=perte';
      },
      async (errors) => [
        'distribution/stock',
        await this.stockModel(actor, { lossErrors: errors, form: fields }),
      ],
    );
  }

  @Get('admin/lieux')
  @Roles('ADMIN')
  @Render('distribution/sites')
  async sitesPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.sitesModel(actor, { flash: flashMessage(DONE, done) });
  }

  private async sitesModel(actor: Actor, extra: object) {
    return pageModel(actor, 'Lieux de remise', '/admin/lieux', {
      sites: (await this.sites.list(actor)).map((s) => ({
        ...s,
        kindLabel: LABELS.siteKind[s.kind],
      })),
      kinds: options(LABELS.siteKind),
      form: {},
      ...extra,
    });
  }

  @Post('admin/lieux')
  @Roles('ADMIN')
  async createSite(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        await this.sites.create(actor, await readForm(CreateSiteDto, fields));
        return '/admin/lieux?fait=lieu';
      },
      async (errors) => [
        'distribution/sites',
        await this.sitesModel(actor, {
          errors,
          form: fields,
          refused: 'site',
          typed: typedFields(body),
        }),
      ],
    );
  }
}
