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
import { AccessRequestQueryDto, GrantAccessDto } from '../auth/sso/dto/access-request.dto';
import { SsoService } from '../auth/sso/sso.service';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { SitesService } from '../sites/sites.service';
import { checkedList, formFields, readForm } from './forms';
import { LABELS, options } from './labels';
import { errorPage, pageAction } from './page-action';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  accorde: 'Le compte est créé et relié à son identité. La personne peut se connecter.',
  refuse: 'La demande est refusée.',
};

const ADMIN_PAGE = '/admin/demandes-acces';
const ASSOCIATION_PAGE = '/structure/collegues';

/**
 * People the OpenID provider vouched for, without an account: administrators give them a role;
 * an association's people confirm the colleagues whose SIRET is the association's.
 */
@ApiExcludeController()
@Controller()
export class AccessRequestPagesController {
  constructor(
    private readonly sso: SsoService,
    private readonly associations: AssociationsService,
    private readonly sites: SitesService,
  ) {}

  /** The oldest pending requests, as many as a page shows. */
  private async pending(actor: Actor) {
    return this.sso.list(actor, await readForm(AccessRequestQueryDto, { pageSize: 200 }));
  }

  @Get('admin/demandes-acces')
  @Roles('ADMIN')
  @Render('admin/access-requests')
  async adminPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    const [page, associations, sites] = await Promise.all([
      this.pending(actor),
      this.associations.list(actor),
      this.sites.list(actor),
    ]);
    const names = new Map(associations.map((a) => [a.id, a.name]));
    return pageModel(actor, 'Demandes d’accès', ADMIN_PAGE, {
      configured: this.sso.configured,
      provider: this.sso.providerName,
      total: page.total,
      more: page.total > page.items.length,
      requests: page.items.map((r) => ({
        ...r,
        associationName: r.associationId ? names.get(r.associationId) : undefined,
        roles: options(LABELS.role, r.associationId ? 'ASSOCIATION' : undefined),
        associations: associations.map((a) => ({ ...a, selected: a.id === r.associationId })),
        sites: sites.filter((s) => s.active),
      })),
      flash: flashMessage(DONE, done),
    });
  }

  @Post('admin/demandes-acces/:id/accorder')
  @Roles('ADMIN')
  grant(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        const { role, associationId, siteIds } = formFields(body);
        const sites = checkedList(siteIds);
        const dto = await readForm(GrantAccessDto, {
          role,
          associationId: associationId || undefined,
          siteIds: sites.length ? sites : undefined,
        });
        await this.sso.grant(actor, id, dto);
        return `${ADMIN_PAGE}?fait=accorde`;
      },
      errorPage(actor, 'Demandes d’accès', ADMIN_PAGE),
    );
  }

  @Get('structure/collegues')
  @Roles('ASSOCIATION')
  @Render('association/access-requests')
  async associationPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return pageModel(actor, 'Collègues à confirmer', ASSOCIATION_PAGE, {
      provider: this.sso.providerName,
      requests: (await this.pending(actor)).items,
      flash: flashMessage(
        { ...DONE, accorde: 'Votre collègue a maintenant un compte de la structure.' },
        done,
      ),
    });
  }

  @Post('structure/collegues/:id/confirmer')
  @Roles('ASSOCIATION')
  confirm(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() _body: unknown,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        await this.sso.confirm(actor, id);
        return `${ASSOCIATION_PAGE}?fait=accorde`;
      },
      errorPage(actor, 'Collègues à confirmer', ASSOCIATION_PAGE),
    );
  }

  /** Refused by an administrator, or by the association it was offered to. */
  @Post(['admin/demandes-acces/:id/refuser', 'structure/collegues/:id/refuser'])
  @Roles('ADMIN', 'ASSOCIATION')
  refuse(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() _body: unknown,
    @Res() res: Response,
  ) {
    const page = actor.role === 'ADMIN' ? ADMIN_PAGE : ASSOCIATION_PAGE;
    return pageAction(
      res,
      async () => {
        await this.sso.refuse(actor, id);
        return `${page}?fait=refuse`;
      },
      errorPage(actor, 'Demandes d’accès', page),
    );
  }
}
