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
import { ownAssociationId } from '../common/access/scope';
import { frenchDate, parisToday } from '../common/dates';
import { AppConfig } from '../config/app-config';
import { ProgrammesService } from '../programmes/programmes.service';
import { CancelRedemptionDto, RedemptionQueryDto } from '../redemptions/dto/redemption.dto';
import { earliestSessionDate } from '../redemptions/redemption.rules';
import { RedemptionsService } from '../redemptions/redemptions.service';
import { ClaimQueryDto, CreateClaimDto, StatementQueryDto } from '../statements/dto/statement.dto';
import { ClaimsService } from '../statements/claims.service';
import { StatementsService } from '../statements/statements.service';
import { formFields, readForm, requireConfirmation } from './forms';
import { errorPage, pageAction } from './page-action';
import { LABELS } from './labels';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  annule: "L'encaissement est annulé : ses chèques peuvent être encaissés à nouveau.",
  demande: 'La demande de remboursement est créée : vérifiez-la puis transmettez-la.',
  transmise: 'La demande est transmise au département.',
};

/** The association's side: scan and redeem, its redemptions, claims and statements. */
@ApiExcludeController()
@Controller('structure')
@Roles('ASSOCIATION')
export class AssociationPagesController {
  constructor(
    private readonly redemptions: RedemptionsService,
    private readonly statements: StatementsService,
    private readonly claimsService: ClaimsService,
    private readonly associations: AssociationsService,
    private readonly programmes: ProgrammesService,
    private readonly config: AppConfig,
  ) {}

  @Get('encaisser')
  @Render('association/scan')
  async scan(@CurrentUser() actor: Actor) {
    const association = await this.associations.get(actor, ownAssociationId(actor));
    const programmeActivities = (await this.programmes.list()).flatMap((p) => p.activities);
    const activities = [...new Set([...association.activities, ...programmeActivities])];
    const today = parisToday();
    return pageModel(actor, 'Encaisser des chèques', '/structure/encaisser', {
      association,
      activities,
      today,
      earliest: earliestSessionDate(today, this.config.get('REDEMPTION_BACKDATE_DAYS')),
    });
  }

  @Get('encaissements')
  @Render('association/redemptions')
  async list(
    @CurrentUser() actor: Actor,
    @Query('fait') done?: string,
    @Query('page') page?: string,
  ) {
    const result = await this.redemptions.list(
      actor,
      await readForm(RedemptionQueryDto, { page: page ?? 1, pageSize: 50 }),
    );
    const today = parisToday();
    return pageModel(actor, 'Mes encaissements', '/structure/encaissements', {
      flash: flashMessage(DONE, done),
      result,
      rows: result.items.map((r) => ({
        ...r,
        statusLabel: LABELS.redemptionStatus[r.status],
        // The service says until when (Paris day; null once claimed or no longer active).
        cancellable: r.cancellableUntil !== null && today <= r.cancellableUntil,
      })),
    });
  }

  @Post('encaissements/:id/annuler')
  async cancel(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        const fields = formFields(body);
        requireConfirmation(fields, 'confirmCancel', 'cochez la case pour confirmer l’annulation');
        await this.redemptions.cancel(actor, id, await readForm(CancelRedemptionDto, fields));
        return '/structure/encaissements?fait=annule';
      },
      errorPage(actor, 'Annulation impossible', '/structure/encaissements'),
    );
  }

  @Get('demandes')
  @Render('association/claims')
  claims(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.claimsModel(actor, { flash: flashMessage(DONE, done) });
  }

  private async claimsModel(actor: Actor, extra: Record<string, unknown>) {
    const claims = await this.claimsService.listClaims(actor, await readForm(ClaimQueryDto, {}));
    return pageModel(actor, 'Demandes de remboursement', '/structure/demandes', {
      ...extra,
      today: parisToday(),
      claims: claims.items.map((c) => ({
        ...c,
        statusLabel: LABELS.claimStatus[c.status],
        submittable: c.actions.includes('SUBMIT'),
      })),
    });
  }

  @Post('demandes')
  async createClaim(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        const dto = await readForm(CreateClaimDto, formFields(body));
        await this.claimsService.createClaim(actor, dto.upTo);
        return '/structure/demandes?fait=demande';
      },
      async (errors) => ['association/claims', await this.claimsModel(actor, { errors })],
    );
  }

  @Get('demandes/:id')
  @Render('association/claim')
  async claim(@CurrentUser() actor: Actor, @Param('id', ParseUUIDPipe) id: string) {
    const claim = await this.claimsService.getClaim(actor, id);
    const redemptions = await this.redemptions.list(
      actor,
      await readForm(RedemptionQueryDto, { claimId: id, pageSize: 200 }),
    );
    return pageModel(actor, `Demande jusqu'au ${frenchDate(claim.upTo)}`, '/structure/demandes', {
      claim: {
        ...claim,
        statusLabel: LABELS.claimStatus[claim.status],
        submittable: claim.actions.includes('SUBMIT'),
      },
      redemptions,
    });
  }

  @Post('demandes/:id/transmettre')
  async submit(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Res() res: Response,
  ) {
    await this.claimsService.submit(actor, id);
    res.redirect(303, '/structure/demandes?fait=transmise');
  }

  @Get('etats')
  @Render('association/statements')
  async statementsPage(@CurrentUser() actor: Actor) {
    const list = await this.statements.listStatements(actor, await readForm(StatementQueryDto, {}));
    return pageModel(actor, 'États de remboursement', '/structure/etats', {
      statements: list.items.map((s) => ({ ...s, statusLabel: LABELS.statementStatus[s.status] })),
    });
  }

  /** Where is my money: every claim with the date of each step, and the delay. */
  @Get('paiements')
  @Render('association/payments')
  async paymentsPage(@CurrentUser() actor: Actor) {
    const track = await this.statements.paymentTrack(actor);
    return pageModel(actor, 'Suivi des paiements', '/structure/paiements', {
      track: track.map((t) => ({ ...t, stepLabel: LABELS.paymentStep[t.step] ?? t.step })),
      targetDays: track[0]?.targetDays,
    });
  }
}
