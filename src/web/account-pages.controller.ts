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

const DONE: Record<string, string> = {
  retire: 'L’application d’authentification est retirée : le mot de passe suffit de nouveau.',
  secours:
    'Vous vous êtes connecté avec un code de secours : il ne servira plus. Générez-en de nouveaux si vous en avez peu.',
};

/** The reason beside the code field. */
const errorsOf = (err: DomainError) => [{ name: 'code', field: 'Code', message: err.detail }];

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
  private async refused(res: Response, actor: Actor, err: unknown, form: string) {
    if (!(err instanceof DomainError)) throw err;
    this.retryAfter(res, err);
    res
      .status(err.status === 429 ? 429 : 400)
      .render(
        'account/security',
        await this.model(actor, { refused: form, errors: errorsOf(err) }),
      );
  }

  private retryAfter(res: Response, err: DomainError): void {
    const retryAfter = err.extra.retryAfterSeconds;
    if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  }

  /** The set-up page: a new app to add, or (`again`, a wrong code) the same one, its reason beside. */
  private async setupPage(res: Response, actor: Actor, again?: unknown, err?: DomainError) {
    const setup = await this.secondFactor.startSetup(actor, again);
    if (err) this.retryAfter(res, err);
    // its secret is on it: never kept by a cache
    res.setHeader('Cache-Control', 'no-store');
    res.status(err ? (err.status === 429 ? 429 : 400) : 200).render(
      'account/setup',
      pageModel(actor, 'Ajouter une application d’authentification', PAGE, {
        email: setup.email,
        qr: await qrCodeImage(setup.uri),
        secret: groupedSecret(setup.secret),
        setup: setup.token,
        ...(err ? { refused: 'confirmer', errors: errorsOf(err) } : {}),
      }),
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
      await this.setupPage(res, actor);
    } catch (err) {
      return this.refused(res, actor, err, 'configurer');
    }
  }

  /** Nothing is kept of a set-up between two pages: back to the account page to begin one. */
  @Get('compte/securite/configurer')
  setupAddress(@Res() res: Response) {
    res.redirect(303, PAGE);
  }

  @Post('compte/securite/confirmer')
  async confirm(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    let codes: string[];
    try {
      codes = await this.secondFactor.confirmSetup(actor, typedCode(body), body.setup);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'SECOND_FACTOR_ALREADY_SET') return res.redirect(303, PAGE);
      try {
        return await this.setupPage(res, actor, body.setup, err);
      } catch (again) {
        return this.refused(res, actor, again, 'configurer');
      }
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
