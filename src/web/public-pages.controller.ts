import { Controller, Get, Param, Query, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AssociationsService } from '../associations/associations.service';
import { Public } from '../common/access/decorators';
import { DomainError } from '../common/errors/domain-error';
import { ChequeCheckService } from '../redemptions/cheque-check.service';
import { BookletPageService } from '../booklets/booklet-page.service';
import { AppConfig } from '../config/app-config';

const VERDICTS = {
  VALID: { ok: true, text: 'Ce chèque est valable.' },
  USED: { ok: false, text: 'Ce chèque a déjà été utilisé.' },
  CANCELLED: { ok: false, text: 'Ce chèque a été annulé (carnet perdu, volé ou remplacé).' },
  EXPIRED: { ok: false, text: "Ce chèque n'est plus valable : sa date limite est passée." },
  NOT_ACTIVATED: { ok: false, text: "Ce chèque n'a pas encore été remis à un bénéficiaire." },
} as const;

const BOOKLET_VERDICTS = {
  ACTIVE: { ok: true, text: 'Votre carnet est valable.' },
  NOT_HANDED_OVER: { ok: false, text: "Ce carnet n'a pas encore été remis à un bénéficiaire." },
  EXPIRED: { ok: false, text: "Ce carnet n'est plus valable : sa date limite est passée." },
  CANCELLED: { ok: false, text: 'Ce carnet a été annulé (perdu, volé ou remplacé).' },
} as const;

/** Pages anyone can open: the page a cheque's QR code leads to, and where to use cheques. */
@ApiExcludeController()
@Controller()
export class PublicPagesController {
  constructor(
    private readonly checker: ChequeCheckService,
    private readonly associations: AssociationsService,
    private readonly bookletPages: BookletPageService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @Render('public/home')
  home() {
    return { title: 'Accueil' };
  }

  /** The home page's form: the typed code, cleaned of spaces, to its cheque page. */
  @Get('verifier')
  @Public()
  check(@Query('code') code: unknown, @Res() res: Response): void {
    const typed =
      typeof code === 'string' ? code.replace(/\s+/g, '').toUpperCase().slice(0, 40) : '';
    res.redirect(303, typed ? `/c/${encodeURIComponent(typed)}` : '/');
  }

  @Get('accessibilite')
  @Public()
  @Render('public/accessibility')
  accessibility() {
    return {
      title: "Déclaration d'accessibilité",
      contact: this.config.get('DEPARTEMENT_CONTACT') ?? null,
    };
  }

  @Get('c/:code')
  @Public()
  @Render('public/cheque')
  async cheque(@Param('code') code: string, @Req() req: Request) {
    const title = 'Mon chèque Pass numérique';
    try {
      const cheque = await this.checker.publicCheck(code, req.ip);
      return { title, cheque, verdict: VERDICTS[cheque.status] };
    } catch (err) {
      if (!(err instanceof DomainError) || err.status === 429) throw err;
      return {
        title,
        verdict: { ok: false, text: 'Ce code ne correspond à aucun chèque Pass numérique.' },
        detail: err.detail,
        typedCode: code.slice(0, 40),
      };
    }
  }

  @Get('carnet/:token')
  @Public()
  @Render('public/booklet')
  async booklet(@Param('token') token: string, @Req() req: Request) {
    const title = 'Mon carnet Pass numérique';
    try {
      const page = await this.bookletPages.page(token, req.ip);
      return { title, page, verdict: BOOKLET_VERDICTS[page.state] };
    } catch (err) {
      if (!(err instanceof DomainError) || err.status === 429) throw err;
      return {
        title,
        verdict: { ok: false, text: 'Ce code ne correspond à aucun carnet Pass numérique.' },
      };
    }
  }

  @Get('structures')
  @Public()
  @Render('public/structures')
  async structures(@Query('q') q?: string) {
    const query = typeof q === 'string' ? q.trim().slice(0, 100) : '';
    return {
      title: 'Où utiliser mes chèques',
      q: query,
      associations: await this.associations.directory(query || undefined),
    };
  }
}
