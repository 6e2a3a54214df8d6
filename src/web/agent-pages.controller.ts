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
import { CurrentUser, Roles } from '../auth/decorators';
import type { Actor } from '../auth/role';
import { BookletsService } from '../booklets/booklets.service';
import {
  BookletQueryDto,
  CancelBookletDto,
  CreateBatchDto,
  IssueBookletDto,
} from '../booklets/dto/booklet.dto';
import { PageQueryDto } from '../common/pagination';
import { ProgrammesService } from '../programmes/programmes.service';
import { StatementsService } from '../statements/statements.service';
import { formErrors, formFields, readForm } from './forms';
import { LABELS, options } from './labels';
import { pageModel } from './page-model';

/** The département's side for agents and administrators: programmes, booklets, print runs. */
@ApiExcludeController()
@Controller('agent')
@Roles('ADMIN', 'AGENT')
export class AgentPagesController {
  constructor(
    private readonly programmes: ProgrammesService,
    private readonly booklets: BookletsService,
    private readonly statements: StatementsService,
  ) {}

  @Get()
  @Render('agent/dashboard')
  async dashboard(@CurrentUser() actor: Actor) {
    const programmes = await Promise.all(
      (await this.programmes.list()).map(async (p) => {
        const [booklets, money] = await Promise.all([
          this.booklets.list(await readForm(BookletQueryDto, { programmeId: p.id, pageSize: 1 })),
          this.statements.reconciliation(p.id),
        ]);
        return {
          ...p,
          bookletCount: booklets.total,
          redeemedCheques: Math.round(money.redeemedCents / p.faceValueCents),
          money,
        };
      }),
    );
    return pageModel(actor, 'Tableau de bord', '/agent', { programmes });
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
    try {
      const booklet = await this.booklets.issue(actor, await readForm(IssueBookletDto, fields));
      res.redirect(303, `/agent/carnets/${booklet.id}?nouveau=1`);
    } catch (err) {
      res
        .status(400)
        .render(
          'agent/issue',
          await this.issueForm(actor, { errors: formErrors(err), form: fields }),
        );
    }
  }

  @Get('carnets')
  @Render('agent/booklets')
  async search(@CurrentUser() actor: Actor, @Query() query: Record<string, unknown>) {
    const fields = formFields(query);
    const result = await this.booklets.list(await readForm(BookletQueryDto, fields));
    return pageModel(actor, 'Carnets', '/agent/carnets', {
      q: fields,
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
    const booklet = await this.booklets.get(id);
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
    try {
      const dto = await readForm(CancelBookletDto, {
        ...fields,
        replace: fields.replace === 'oui',
      });
      const result = await this.booklets.cancel(actor, id, dto);
      res.redirect(
        303,
        result.replacement
          ? `/agent/carnets/${result.replacement.id}?nouveau=1`
          : `/agent/carnets/${id}`,
      );
    } catch (err) {
      res
        .status(400)
        .render('agent/booklet', await this.bookletModel(actor, id, { errors: formErrors(err) }));
    }
  }

  private async batchesModel(actor: Actor, extra: Record<string, unknown> = {}) {
    const [programmes, batches] = await Promise.all([
      this.programmes.list(),
      this.booklets.listBatches(await readForm(PageQueryDto, { pageSize: 50 })),
    ]);
    return pageModel(actor, "Lots d'impression", '/agent/lots', { programmes, batches, ...extra });
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
    try {
      const batch = await this.booklets.createBatch(actor, await readForm(CreateBatchDto, fields));
      res.redirect(303, `/agent/lots/${batch.id}`);
    } catch (err) {
      res
        .status(400)
        .render(
          'agent/batches',
          await this.batchesModel(actor, { errors: formErrors(err), form: fields }),
        );
    }
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
