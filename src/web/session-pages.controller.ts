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

/** Only paths of this site, so that `suite` cannot send anyone elsewhere after sign-in. */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : undefined;
}

@ApiExcludeController()
@Controller()
export class SessionPagesController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
    private readonly links: AccountLinksService,
  ) {}

  @Get('connexion')
  @Public()
  @Render('session/login')
  loginPage(@Query('suite') next?: string, @Query('mdp') chosen?: string) {
    return {
      title: 'Connexion',
      next: safeNext(next),
      flash:
        chosen === '1'
          ? { kind: 'ok', text: 'Votre mot de passe est enregistré. Connectez-vous.' }
          : chosen === 'attente'
            ? {
                kind: 'ok',
                text: 'Votre mot de passe est enregistré. Vous pourrez vous connecter quand un second administrateur aura confirmé votre compte.',
              }
            : undefined,
    };
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
      const { token, user } = await this.auth.login(dto.email, dto.password, req.ip);
      setSessionCookie(
        res,
        token,
        this.auth.tokenTtlSeconds,
        this.config.get('PUBLIC_BASE_URL').startsWith('https://'),
      );
      res.redirect(303, next ?? HOME[user.role]);
    } catch (err) {
      const refused = err instanceof DomainError && err.status === 401;
      const errors = refused
        ? [{ field: '', message: 'Adresse e-mail ou mot de passe incorrect.' }]
        : formErrors(err);
      const retryAfter = err instanceof DomainError ? err.extra.retryAfterSeconds : undefined;
      if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      res.status(err instanceof DomainError ? err.status : 400).render('session/login', {
        title: 'Connexion',
        next,
        email: typeof fields.email === 'string' ? fields.email : '',
        errors,
        csrfToken: req.csrfToken?.(),
      });
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
