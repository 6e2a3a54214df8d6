import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { SecondFactorService } from '../auth/second-factor/second-factor.service';
import { groupedSecret } from '../auth/second-factor/totp';
import { CurrentUser, Roles } from '../common/access/decorators';
import { Actor, ROLES } from '../common/access/role';
import { DomainError } from '../common/errors/domain-error';
import { flashMessage, pageModel } from './page-model';
import { qrCodeImage } from './qr-code';

const PAGE = '/compte/securite';
const SETUP_PAGE = '/compte/securite/configurer';

const DONE: Record<string, string> = {
  retire: 'L’application d’authentification est retirée : le mot de passe suffit de nouveau.',
  secours:
    'Vous vous êtes connecté avec un code de secours : il ne servira plus. Générez-en de nouveaux si vous en avez peu.',
};

/** A code typed in one of the page's forms. */
const typedCode = (body: Record<string, unknown>) =>
  typeof body.code === 'string' ? body.code : '';

/**
 * One's own account: the second factor (an authenticator app) — mandatory for administrators,
 * optional for everyone else — set up, its recovery codes renewed, removed.
 */
@ApiExcludeController()
@Controller()
@Roles(...ROLES)
export class AccountPagesController {
  constructor(private readonly secondFactor: SecondFactorService) {}

  private async model(actor: Actor, extra: object = {}) {
    const status = await this.secondFactor.status(actor);
    return pageModel(actor, 'Mon compte', PAGE, { status, ...extra });
  }

  /** A refused form of the page (`form`): the page again, the reason beside its code field. */
  private async refused(
    res: Response,
    actor: Actor,
    err: unknown,
    form: string,
    view = 'account/security',
  ) {
    if (!(err instanceof DomainError)) throw err;
    const retryAfter = err.extra.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    const errors = [{ name: 'code', field: 'Code', message: err.detail }];
    const setup =
      view === 'account/setup' && (await this.setupModel(actor, { refused: form, errors }));
    res
      .status(err.status === 429 ? 429 : 400)
      .render(
        setup ? view : 'account/security',
        setup || (await this.model(actor, { refused: form, errors })),
      );
  }

  /** Recovery codes, shown this once on the answer to the form that made them. */
  private showCodes(res: Response, actor: Actor, codes: string[], activated: boolean) {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('session/recovery-codes', {
      ...pageModel(
        actor,
        activated ? 'Vos codes de secours' : 'Vos nouveaux codes de secours',
        PAGE,
        {},
      ),
      codes,
      activated,
      next: PAGE,
    });
  }

  @Get('compte/securite')
  async page(@CurrentUser() actor: Actor, @Res() res: Response, @Query('fait') done?: string) {
    res.render('account/security', await this.model(actor, { flash: flashMessage(DONE, done) }));
  }

  @Post('compte/securite/configurer')
  async begin(@CurrentUser() actor: Actor, @Res() res: Response) {
    try {
      await this.secondFactor.startSetup(actor);
    } catch (err) {
      return this.refused(res, actor, err, 'configurer');
    }
    res.redirect(303, SETUP_PAGE);
  }

  private async setupModel(actor: Actor, extra: object = {}) {
    const setup = await this.secondFactor.pendingSetup(actor);
    if (!setup) return null;
    return pageModel(actor, 'Ajouter une application d’authentification', PAGE, {
      email: setup.email,
      qr: await qrCodeImage(setup.uri),
      secret: groupedSecret(setup.secret),
      ...extra,
    });
  }

  @Get('compte/securite/configurer')
  async setupPage(@CurrentUser() actor: Actor, @Res() res: Response) {
    const model = await this.setupModel(actor);
    if (!model) return res.redirect(303, PAGE);
    res.render('account/setup', model);
  }

  @Post('compte/securite/confirmer')
  async confirm(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    let codes: string[];
    try {
      codes = await this.secondFactor.confirmSetup(actor, typedCode(body));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'SECOND_FACTOR_NOT_SET')
        return res.redirect(303, PAGE);
      return this.refused(res, actor, err, 'confirmer', 'account/setup');
    }
    this.showCodes(res, actor, codes, true);
  }

  @Post('compte/securite/codes')
  async renew(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    let codes: string[];
    try {
      codes = await this.secondFactor.renewRecoveryCodes(actor, typedCode(body));
    } catch (err) {
      return this.refused(res, actor, err, 'codes');
    }
    this.showCodes(res, actor, codes, false);
  }

  @Post('compte/securite/retirer')
  async remove(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    try {
      await this.secondFactor.remove(actor, typedCode(body));
    } catch (err) {
      return this.refused(res, actor, err, 'retirer');
    }
    res.redirect(303, `${PAGE}?fait=retire`);
  }
}
