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
import { AssociationsService } from '../associations/associations.service';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { BookletsService } from '../booklets/booklets.service';
import {
  BookletQueryDto,
  CancelBookletDto,
  CreateBatchDto,
  IssueBookletDto,
} from '../booklets/dto/booklet.dto';
import { PageQueryDto } from '../common/pagination';
import { parisToday } from '../common/dates';
import { ProgrammesService } from '../programmes/programmes.service';
import { ReconciliationService } from '../statements/reconciliation.service';
import { Indicator, INDICATORS, StatsQueryDto } from '../stats/dto/stats.dto';
import { StatsService } from '../stats/stats.service';
import { SitesService } from '../sites/sites.service';
import { StockService } from '../booklets/stock.service';
import { formFields, readForm, requireConfirmation, typedFields } from './forms';
import { pageAction } from './page-action';
import { LABELS, options } from './labels';
import { pageModel } from './page-model';

const EXPORT_LABELS: Record<Indicator, string> = {
  overview: "Vue d'ensemble",
  delays: "Délais d'utilisation",
  workshops: 'Ateliers',
  associations: 'Par structure',
  communes: 'Par commune',
  monthly: 'Par mois',
};

/** The département's side for agents and administrators: programmes, booklets, print runs. */
@ApiExcludeController()
@Controller('agent')
@Roles('ADMIN', 'AGENT')
export class AgentPagesController {
  constructor(
    private readonly programmes: ProgrammesService,
    private readonly booklets: BookletsService,
    private readonly reconciliations: ReconciliationService,
    private readonly stats: StatsService,
    private readonly associations: AssociationsService,
    private readonly sites: SitesService,
    private readonly stock: StockService,
  ) {}

  @Get()
  @Render('agent/dashboard')
  async dashboard(@CurrentUser() actor: Actor) {
    const programmes = await Promise.all(
      (await this.programmes.list()).map(async (p) => {
        const [distribution, money] = await Promise.all([
          this.stock.programmeDistribution(p),
          this.reconciliations.reconciliation(p.id),
        ]);
        return {
          ...p,
          distribution,
          closable: actor.role === 'ADMIN' && !p.closedAt && parisToday() > p.claimDeadline,
          redeemedCheques: Math.round(money.redeemedCents / p.faceValueCents),
          money,
        };
      }),
    );
    return pageModel(actor, 'Tableau de bord', '/agent', {
      programmes,
      isAdmin: actor.role === 'ADMIN',
    });
  }

  private async issueForm(actor: Actor, extra: Record<string, unknown> = {}) {
    const programmes = await this.programmes.list();
    return pageModel(actor, 'Remettre un carnet', '/agent/carnets', {
      programmes,
      namesAllowed: programmes.some((p) => p.allowBeneficiaryNames),
      ageBands: options(LABELS.ageBand),
      needs: options(LABELS.needCategory),
      ...extra,
    });
  }

  @Get('statistiques')
  @Render('agent/stats')
  async statsPage(@CurrentUser() actor: Actor, @Query() query: Record<string, unknown>) {
    const programmes = await this.programmes.list();
    const fields = formFields(query);
    if (!fields.programmeId && programmes[0]) fields.programmeId = programmes[0].id;
    const model = {
      programmes: programmes.map((p) => ({ ...p, selected: p.id === fields.programmeId })),
      associations: (await this.associations.list(actor)).map((a) => ({
        ...a,
        selected: a.id === fields.associationId,
      })),
      ageBands: options(LABELS.ageBand, fields.ageBand as string),
      needs: options(LABELS.needCategory, fields.needCategory as string),
      q: fields,
    };
    if (!fields.programmeId) return pageModel(actor, 'Indicateurs', '/agent/statistiques', model);
    const filters = await readForm(StatsQueryDto, fields);
    const tables = Object.fromEntries(
      await Promise.all(
        INDICATORS.map(async (i) => [i, await this.stats.table(i, filters)] as const),
      ),
    );
    const search = new URLSearchParams(
      Object.entries(fields).map(([k, v]): [string, string] => [k, String(v as string)]),
    ).toString();
    return pageModel(actor, 'Indicateurs', '/agent/statistiques', {
      ...model,
      tables,
      overview: tables.overview.rows[0],
      exports: INDICATORS.map((i) => ({
        label: EXPORT_LABELS[i],
        href: `/api/stats/${i}/export.csv?${search}`,
      })),
      chartData: {
        monthly: tables.monthly.rows,
        communes: tables.communes.rows,
        associations: tables.associations.rows,
      },
    });
  }

  @Get('carnets/nouveau')
  @Render('agent/issue')
  issuePage(@CurrentUser() actor: Actor) {
    return this.issueForm(actor);
  }

  @Post('carnets/nouveau')
  async issue(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        const booklet = await this.booklets.issue(actor, await readForm(IssueBookletDto, fields));
        return `/agent/carnets/${booklet.id}?nouveau=1`;
      },
      async (errors) => [
        'agent/issue',
        await this.issueForm(actor, {
          errors,
          form: fields,
          refused: 'issue',
          typed: typedFields(body),
        }),
      ],
    );
  }

  @Get('carnets')
  @Render('agent/booklets')
  async search(@CurrentUser() actor: Actor, @Query() query: Record<string, unknown>) {
    const fields = formFields(query);
    const [result, programmes] = await Promise.all([
      this.booklets.list(actor, await readForm(BookletQueryDto, fields)),
      this.programmes.list(),
    ]);
    return pageModel(actor, 'Carnets', '/agent/carnets', {
      q: fields,
      namesAllowed: programmes.some((p) => p.allowBeneficiaryNames),
      result,
      statuses: options(LABELS.bookletStatus, fields.status as string),
      rows: result.items.map((b) => ({ ...b, statusLabel: LABELS.bookletStatus[b.status] })),
    });
  }

  @Get('carnets/:id')
  @Render('agent/booklet')
  async booklet(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('nouveau') fresh?: string,
  ) {
    return this.bookletModel(actor, id, { fresh: fresh === '1' });
  }

  private async bookletModel(
    actor: Actor,
    id: string,
    extra: { fresh?: boolean; errors?: unknown },
  ) {
    const booklet = await this.booklets.get(actor, id);
    return pageModel(actor, `Carnet ${booklet.number}`, '/agent/carnets', {
      booklet,
      cheques: booklet.cheques.map((c) => ({ ...c, statusLabel: LABELS.chequeStatus[c.status] })),
      statusLabel: LABELS.bookletStatus[booklet.status],
      reasons: options(LABELS.cancelReason),
      ...extra,
      fresh: Boolean(extra.fresh) && booklet.status === 'ACTIVE',
    });
  }

  @Post('carnets/:id/annuler')
  async cancel(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        requireConfirmation(fields, 'confirmCancel', 'cochez la case pour confirmer l’annulation');
        const dto = await readForm(CancelBookletDto, {
          ...fields,
          replace: fields.replace === 'oui',
        });
        const result = await this.booklets.cancel(actor, id, dto);
        return result.replacement
          ? `/agent/carnets/${result.replacement.id}?nouveau=1`
          : `/agent/carnets/${id}`;
      },
      async (errors) => ['agent/booklet', await this.bookletModel(actor, id, { errors })],
    );
  }

  private async batchesModel(actor: Actor, extra: Record<string, unknown> = {}) {
    const [programmes, batches, sites] = await Promise.all([
      this.programmes.list(),
      this.booklets.listBatches(await readForm(PageQueryDto, { pageSize: 50 })),
      this.sites.list(actor),
    ]);
    return pageModel(actor, "Lots d'impression", '/agent/lots', {
      programmes,
      batches,
      sites: sites.filter((s) => s.active),
      ...extra,
    });
  }

  @Get('lots')
  @Render('agent/batches')
  batches(@CurrentUser() actor: Actor) {
    return this.batchesModel(actor);
  }

  @Post('lots')
  async createBatch(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        const batch = await this.booklets.createBatch(
          actor,
          await readForm(CreateBatchDto, fields),
        );
        return `/agent/lots/${batch.id}`;
      },
      async (errors) => [
        'agent/batches',
        await this.batchesModel(actor, {
          errors,
          form: fields,
          refused: 'batch',
          typed: typedFields(body),
        }),
      ],
    );
  }

  @Get('lots/:id')
  @Render('agent/batch')
  async batch(@CurrentUser() actor: Actor, @Param('id', ParseUUIDPipe) id: string) {
    const batch = await this.booklets.getBatch(id);
    return pageModel(actor, `Lot ${batch.firstNumber} – ${batch.lastNumber}`, '/agent/lots', {
      batch,
      estimatedBytes: batch.bookletCount * 11_600,
    });
  }
}
