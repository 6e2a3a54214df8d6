import { Body, Controller, Get, Post, Query, Render, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import { LoginDto } from '../auth/dto/login.dto';
import { RetryAfterThrottlerGuard } from '../auth/login-throttler.guard';
import { Actor, ROLES } from '../common/access/role';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { formErrors, formFields, readForm } from './forms';
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
  ) {}

  @Get('connexion')
  @Public()
  @Render('session/login')
  loginPage(@Query('suite') next?: string) {
    return { title: 'Connexion', next: safeNext(next) };
  }

  @Post('connexion')
  @Public()
  @UseGuards(RetryAfterThrottlerGuard)
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
      res.status(refused ? 401 : 400).render('session/login', {
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
