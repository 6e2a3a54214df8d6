import { Body, Controller, Get, Param, Post, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import { LoginDto } from '../auth/dto/login.dto';
import { Actor, ROLES } from '../common/access/role';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { PasswordResetRequestDto } from '../auth/dto/password.dto';
import { AccountLinksService, LinkView } from '../users/account-links.service';
import { frenchDateTime } from '../common/dates';
import { formErrors, formFields, newPassword, readForm } from './forms';
import { HOME } from './page-model';
import { SsoService } from '../auth/sso/sso.service';
import { SecondFactorService } from '../auth/second-factor/second-factor.service';
import { groupedSecret } from '../auth/second-factor/totp';
import { qrCodeImage } from './qr-code';
import type { Session, SignIn } from '../auth/auth.service';

/** The browser's key to the sign-in it began at the OpenID provider (10 minutes, this path only). */
const SSO_COOKIE = 'pn_sso';
const SSO_COOKIE_PATH = '/connexion/sso';
/** The browser's key to its sign-in halfway, until the second factor is given (this path only). */
const SECOND_STEP_COOKIE = 'pn_2fa';
const SECOND_STEP_PATH = '/connexion/second-facteur';

/** Only paths of this site, so that `suite` cannot send anyone elsewhere after sign-in. */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && next.length <= 300 && /^\/(?!\/)[\w\-./?=&%]*$/.test(next)
    ? next
    : undefined;
}

@ApiExcludeController()
@Controller()
export class SessionPagesController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly links: AccountLinksService,
    private readonly sso: SsoService,
    private readonly secondFactor: SecondFactorService,
  ) {}

  /**
   * Where a first step leads: signed in (the session cookie, then the page asked or the role's
   * home), or the second step's page, its key in a cookie of that path only.
   */
  private signedIn(res: Response, signIn: SignIn): void {
    if (signIn.kind === 'challenge') {
      res.cookie(SECOND_STEP_COOKIE, signIn.key, {
        httpOnly: true,
        // also set at the end of a single sign-on, a navigation that began at the provider
        sameSite: 'lax',
        secure: this.secure,
        path: SECOND_STEP_PATH,
        maxAge: signIn.expiresIn * 1000,
      });
      res.redirect(303, SECOND_STEP_PATH);
      return;
    }
    this.openSession(res, signIn);
    res.redirect(303, safeNext(signIn.next) ?? HOME[signIn.user.role]);
  }

  private openSession(res: Response, session: Session): void {
    setSessionCookie(res, session.token, this.auth.tokenTtlSeconds, this.secure);
  }

  private secondStepKey(req: Request): string | undefined {
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const key = cookies?.[SECOND_STEP_COOKIE];
    // (cookie-parser reads a "j:" value as JSON: anything but a string is no key)
    return typeof key === 'string' ? key : undefined;
  }

  /** The second step's page: a code to type, or (an administrator without one) an app to add. */
  private async secondStepModel(key: string | undefined, extra: object = {}, again?: unknown) {
    const purpose = await this.secondFactor.purposeOf(key);
    if (purpose === 'VERIFY') return { title: 'Double authentification', verify: true, ...extra };
    const setup = await this.secondFactor.enrolment(key, again);
    return {
      title: 'Configurer la double authentification',
      enrol: true,
      email: setup.email,
      qr: await qrCodeImage(setup.uri),
      secret: groupedSecret(setup.secret),
      setup: setup.token,
      ...extra,
    };
  }

  /** A second step that cannot go on (expired, spent): the sign-in page, with why. */
  private restart(req: Request, res: Response, err: DomainError): void {
    res.clearCookie(SECOND_STEP_COOKIE, { path: SECOND_STEP_PATH });
    this.loginAgain(req, res, err);
  }

  /** The sign-in page again, with why (`err`, its status). */
  private loginAgain(req: Request, res: Response, err: DomainError): void {
    res.status(err.status).render(
      'session/login',
      this.loginModel(undefined, {
        errors: [{ field: '', message: err.detail }],
        csrfToken: req.csrfToken?.(),
      }),
    );
  }

  @Get('connexion/second-facteur')
  @Public()
  async secondStepPage(@Req() req: Request, @Res() res: Response) {
    try {
      res.render('session/second-factor', await this.secondStepModel(this.secondStepKey(req)));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.restart(req, res, err);
    }
  }

  @Post('connexion/second-facteur')
  @Public()
  async secondStep(
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const key = this.secondStepKey(req);
    const code = typeof body.code === 'string' ? body.code : '';
    const setup = typeof body.setup === 'string' ? body.setup : undefined;
    let session: Session;
    try {
      session = await this.auth.secondStep(key, code, setup);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (err.code === 'SECOND_FACTOR_EXPIRED') return this.restart(req, res, err);
      const retryAfter = err.extra.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      const errors = [{ name: 'code', field: 'Code', message: err.detail }];
      try {
        res
          .status(err.status)
          .render(
            'session/second-factor',
            await this.secondStepModel(
              key,
              { refused: 'second-step', errors, csrfToken: req.csrfToken?.() },
              setup,
            ),
          );
      } catch (again) {
        if (!(again instanceof DomainError)) throw again;
        this.restart(req, res, again);
      }
      return;
    }
    res.clearCookie(SECOND_STEP_COOKIE, { path: SECOND_STEP_PATH });
    this.openSession(res, session);
    const next = safeNext(session.next) ?? HOME[session.user.role];
    if (session.recoveryCodes) {
      // shown this once, on the answer itself: never kept anywhere a reload could find them
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).render('session/recovery-codes', {
        title: 'Vos codes de secours',
        codes: session.recoveryCodes,
        activated: true,
        next,
      });
      return;
    }
    res.redirect(
      303,
      session.recoveryCodesLeft !== undefined ? '/compte/securite?fait=secours' : next,
    );
  }

  private get secure(): boolean {
    return this.config.get('PUBLIC_BASE_URL').startsWith('https://');
  }

  /** The sign-in page's model: the single sign-on button when a provider is set. */
  private loginModel(next: string | undefined, extra: object = {}) {
    return {
      title: 'Connexion',
      next,
      sso: this.sso.configured
        ? {
            name: this.sso.providerName,
            href: '/connexion/sso' + (next ? `?suite=${encodeURIComponent(next)}` : ''),
          }
        : undefined,
      ...extra,
    };
  }

  /** The sign-in page again, with why single sign-on did not go through. */
  private ssoRefused(req: Request, res: Response, err: unknown): void {
    if (!(err instanceof DomainError)) throw err;
    this.loginAgain(req, res, err);
  }

  /** Single sign-on begins: to the provider, with a key kept by this browser to come back with. */
  @Get('connexion/sso')
  @Public()
  async ssoBegin(@Query('suite') next: unknown, @Req() req: Request, @Res() res: Response) {
    try {
      const { url, key } = await this.sso.begin(safeNext(next), req.ip);
      res.cookie(SSO_COOKIE, key, {
        httpOnly: true,
        // sent back on the provider's redirection, a top-level navigation
        sameSite: 'lax',
        secure: this.secure,
        path: SSO_COOKIE_PATH,
        maxAge: 10 * 60 * 1000,
      });
      res.redirect(303, url);
    } catch (err) {
      this.ssoRefused(req, res, err);
    }
  }

  /** The provider's answer: a session, or the access request that waits for a person. */
  @Get('connexion/sso/retour')
  @Public()
  async ssoReturn(@Req() req: Request, @Res() res: Response) {
    const cookies = req.cookies as Record<string, string | undefined> | undefined;
    const key = cookies?.[SSO_COOKIE];
    res.clearCookie(SSO_COOKIE, { path: SSO_COOKIE_PATH });
    const query = req.originalUrl.includes('?')
      ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
      : '';
    try {
      const outcome = await this.sso.finish(key, query);
      if (outcome.kind === 'pending') {
        res.status(200).render('session/sso-pending', {
          title: 'Demande d’accès enregistrée',
          provider: this.sso.providerName,
          email: outcome.request.email,
          forAssociation: outcome.request.associationId !== null,
        });
        return;
      }
      this.signedIn(
        res,
        await this.auth.afterFirstStep(outcome.user, {
          via: 'sso',
          next: safeNext(outcome.next) ?? null,
          amr: outcome.amr,
          acr: outcome.acr,
          trustedForMfa: outcome.trustedForMfa,
        }),
      );
    } catch (err) {
      this.ssoRefused(req, res, err);
    }
  }

  @Get('connexion')
  @Public()
  @Render('session/login')
  loginPage(@Query('suite') next?: string, @Query('mdp') chosen?: string) {
    return this.loginModel(safeNext(next), {
      flash:
        chosen === '1'
          ? { kind: 'ok', text: 'Votre mot de passe est enregistré. Connectez-vous.' }
          : chosen === 'attente'
            ? {
                kind: 'ok',
                text: 'Votre mot de passe est enregistré. Vous pourrez vous connecter quand un second administrateur aura confirmé votre compte.',
              }
            : undefined,
    });
  }

  @Get('mot-de-passe-oublie')
  @Public()
  @Render('session/forgot')
  forgotPage() {
    return { title: 'Mot de passe oublié' };
  }

  /** The same answer whether the address has an account or not. */
  @Post('mot-de-passe-oublie')
  @Public()
  async forgot(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const fields = formFields(body);
    try {
      const dto = await readForm(PasswordResetRequestDto, fields);
      await this.links.requestReset(dto.email, req.ip);
      res.status(200).render('session/forgot', {
        title: 'Mot de passe oublié',
        sent: true,
        email: dto.email,
      });
    } catch (err) {
      const retryAfter = err instanceof DomainError ? err.extra.retryAfterSeconds : undefined;
      if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      res.status(err instanceof DomainError ? err.status : 400).render('session/forgot', {
        title: 'Mot de passe oublié',
        email: typeof fields.email === 'string' ? fields.email : '',
        errors: formErrors(err),
        csrfToken: req.csrfToken?.(),
      });
    }
  }

  private linkModel(view: LinkView, extra: object = {}) {
    const invitation = view.purpose === 'INVITATION';
    return {
      title: invitation ? 'Choisir votre mot de passe' : 'Changer votre mot de passe',
      invitation,
      email: view.email,
      expires: frenchDateTime(view.expiresAt),
      awaitsConfirmation: view.awaitsConfirmation,
      ...extra,
    };
  }

  /** An invitation or reset link from an e-mail: the form to choose a password, or why not. */
  @Get('compte/lien/:token')
  @Public()
  async linkPage(@Param('token') token: string, @Res() res: Response) {
    try {
      res.render('session/link', this.linkModel(await this.links.view(token)));
    } catch (err) {
      if (!(err instanceof DomainError) || err.status !== 410) throw err;
      res.status(410).render('session/link', { title: 'Lien non valable', deadLink: err.detail });
    }
  }

  @Post('compte/lien/:token')
  @Public()
  async useLink(
    @Param('token') token: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    try {
      const used = await this.links.use(token, newPassword(fields));
      res.redirect(303, `/connexion?mdp=${used.awaitsConfirmation ? 'attente' : '1'}`);
    } catch (err) {
      if (err instanceof DomainError && err.status === 410) {
        res.status(410).render('session/link', { title: 'Lien non valable', deadLink: err.detail });
        return;
      }
      const view = await this.links.view(token);
      res.status(400).render(
        'session/link',
        this.linkModel(view, {
          refused: 'link',
          errors: formErrors(err),
          typed: {},
          csrfToken: req.csrfToken?.(),
        }),
      );
    }
  }

  @Post('connexion')
  @Public()
  async login(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const fields = formFields(body);
    const next = safeNext(fields.suite);
    delete fields.suite;
    try {
      const dto = await readForm(LoginDto, fields);
      this.signedIn(res, await this.auth.login(dto.email, dto.password, req.ip, next ?? null));
    } catch (err) {
      const refused = err instanceof DomainError && err.status === 401;
      const errors = refused
        ? [{ field: '', message: 'Adresse e-mail ou mot de passe incorrect.' }]
        : formErrors(err);
      const retryAfter = err instanceof DomainError ? err.extra.retryAfterSeconds : undefined;
      if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      res.status(err instanceof DomainError ? err.status : 400).render(
        'session/login',
        this.loginModel(next, {
          email: typeof fields.email === 'string' ? fields.email : '',
          errors,
          csrfToken: req.csrfToken?.(),
        }),
      );
    }
  }

  @Post('deconnexion')
  @Roles(...ROLES)
  async logout(@CurrentUser() actor: Actor, @Res() res: Response) {
    await this.auth.logout(actor);
    clearSessionCookie(res);
    res.redirect(303, '/connexion?fin=1');
  }
}
