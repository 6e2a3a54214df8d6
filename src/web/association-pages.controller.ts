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
import { accreditationOfToday, type AssociationDto } from '../associations/dto/association.dto';
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
import { pageAction, PageState, samePage } from './page-action';
import { LABELS } from './labels';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  annule: "L'encaissement est annulé : ses chèques peuvent être encaissés à nouveau.",
  demande: 'La demande de remboursement est créée : vérifiez-la puis transmettez-la.',
  transmise: 'La demande est transmise au département.',
};

/** Why an association cannot redeem today, in its words: suspended (with the reason), revoked, expired, not yet. */
function accreditationNotice(a: AssociationDto, today: string): string {
  const current = accreditationOfToday(a, today);
  if (!current)
    return "Votre structure n'est pas encore habilitée : vous ne pouvez pas encaisser de chèques. Contactez le département.";
  const last = current.decisions[current.decisions.length - 1];
  const reason = last?.reason ? ` Motif : ${last.reason}.` : '';
  if (current.status === 'SUSPENDED')
    return `L'habilitation de votre structure est suspendue depuis le ${frenchDate(parisToday(new Date(last?.decidedAt ?? Date.now())))} : vous ne pouvez pas encaisser de chèques.${reason} Contactez le département.`;
  if (current.status === 'REVOKED')
    return `L'habilitation de votre structure est retirée : vous ne pouvez plus encaisser de chèques.${reason}`;
  if (current.validFrom > today)
    return `L'habilitation de votre structure commence le ${frenchDate(current.validFrom)} : vous pourrez encaisser à partir de cette date.`;
  return `L'habilitation de votre structure a pris fin le ${frenchDate(current.validUntil)} : vous ne pouvez plus encaisser de chèques. Contactez le département pour la renouveler.`;
}

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
    const programmeActivities = [
      ...new Set((await this.programmes.list()).flatMap((p) => p.activities)),
    ];
    // the structure's own workshops that a programme funds; all the programmes' if none is declared
    const own = association.activities.filter((a) => programmeActivities.includes(a));
    const today = parisToday();
    return pageModel(actor, 'Encaisser des chèques', '/structure/encaisser', {
      association,
      activities: own.length > 0 ? own : programmeActivities,
      // a structure that cannot redeem learns it, and why, on arrival (not after typing a code)
      blocked: association.accreditedToday ? null : accreditationNotice(association, today),
      today,
      earliest: earliestSessionDate(today, this.config.get('REDEMPTION_BACKDATE_DAYS')),
    });
  }

  @Get('encaissements')
  @Render('association/redemptions')
  list(@CurrentUser() actor: Actor, @Query('fait') done?: string, @Query('page') page?: string) {
    return this.redemptionsModel(actor, page, { flash: flashMessage(DONE, done) });
  }

  private async redemptionsModel(actor: Actor, page: string | undefined, extra: PageState) {
    const result = await this.redemptions.list(
      actor,
      await readForm(RedemptionQueryDto, { page: page ?? 1, pageSize: 50 }),
    );
    const today = parisToday();
    return pageModel(actor, 'Mes encaissements', '/structure/encaissements', {
      ...extra,
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
      samePage('association/redemptions', `annuler-${id}`, body, (refusal) =>
        this.redemptionsModel(actor, undefined, refusal),
      ),
    );
  }

  @Get('demandes')
  @Render('association/claims')
  claims(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.claimsModel(actor, { flash: flashMessage(DONE, done) });
  }

  private async claimsModel(actor: Actor, extra: Record<string, unknown>) {
    const [claims, statements] = await Promise.all([
      this.claimsService.listClaims(actor, await readForm(ClaimQueryDto, {})),
      this.statements.listStatements(actor, await readForm(StatementQueryDto, { pageSize: 100 })),
    ]);
    const numbers = new Map(statements.items.map((s) => [s.id, s.number]));
    return pageModel(actor, 'Demandes de remboursement', '/structure/demandes', {
      ...extra,
      today: parisToday(),
      claims: claims.items.map((c) => ({
        ...c,
        statementNumber: c.statementId ? (numbers.get(c.statementId) ?? '') : '',
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
    const statement = claim.statementId
      ? (
          await this.statements.listStatements(
            actor,
            await readForm(StatementQueryDto, { pageSize: 100 }),
          )
        ).items.find((s) => s.id === claim.statementId)
      : undefined;
    return pageModel(actor, `Demande jusqu'au ${frenchDate(claim.upTo)}`, '/structure/demandes', {
      statement: statement
        ? { ...statement, statusLabel: LABELS.statementStatus[statement.status] }
        : null,
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
