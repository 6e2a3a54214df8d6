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
import { formErrors, formFields, readForm } from './forms';
import { LABELS } from './labels';
import { pageModel } from './page-model';

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

  private flash(done?: string) {
    return done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : undefined;
  }

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
      flash: this.flash(done),
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
    try {
      await this.redemptions.cancel(
        actor,
        id,
        await readForm(CancelRedemptionDto, formFields(body)),
      );
      res.redirect(303, '/structure/encaissements?fait=annule');
    } catch (err) {
      res.status(400).render('error', {
        ...pageModel(actor, 'Annulation impossible', '/structure/encaissements', {}),
        detail: formErrors(err)
          .map((e) => e.message)
          .join(' '),
      });
    }
  }

  @Get('demandes')
  @Render('association/claims')
  async claims(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    const claims = await this.claimsService.listClaims(actor, await readForm(ClaimQueryDto, {}));
    return pageModel(actor, 'Demandes de remboursement', '/structure/demandes', {
      flash: this.flash(done),
      today: parisToday(),
      claims: claims.items.map((c) => ({
        ...c,
        statusLabel: LABELS.claimStatus[c.status],
        submittable: c.status === 'DRAFT',
      })),
    });
  }

  @Post('demandes')
  async createClaim(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    try {
      const dto = await readForm(CreateClaimDto, formFields(body));
      await this.claimsService.createClaim(actor, dto.upTo);
      res.redirect(303, '/structure/demandes?fait=demande');
    } catch (err) {
      const claims = await this.claimsService.listClaims(actor, await readForm(ClaimQueryDto, {}));
      res.status(400).render(
        'association/claims',
        pageModel(actor, 'Demandes de remboursement', '/structure/demandes', {
          errors: formErrors(err),
          today: parisToday(),
          claims: claims.items.map((c) => ({ ...c, statusLabel: LABELS.claimStatus[c.status] })),
        }),
      );
    }
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
        submittable: claim.status === 'DRAFT',
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
}
