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
import { ValidationFailedError } from '../common/errors/common.errors';
import { SitesService } from '../sites/sites.service';
import { CreateUserDto, InviteUserDto } from '../users/dto/create-user.dto';
import { AccountLinksService } from '../users/account-links.service';
import { AppConfig } from '../config/app-config';
import { OutboxService } from '../mail/outbox.service';
import { UpdateUserDto } from '../users/dto/update-user.dto';
import { UserQueryDto } from '../users/dto/user-query.dto';
import { ConfirmChangeDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { SecondFactorService } from '../auth/second-factor/second-factor.service';
import {
  checkedList,
  clearedFields,
  formFields,
  newPassword,
  readForm,
  requireConfirmation,
} from './forms';
import { LABELS, options } from './labels';
import { namedFormAction, NamedForms, pageAction, PageState, samePage } from './page-action';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  utilisateur:
    'Le compte est créé : communiquez le mot de passe à son titulaire par un canal sûr. Un compte administrateur reste inactif tant qu’un second administrateur ne l’a pas confirmé.',
  invitation:
    'Le compte est créé et l’invitation envoyée : son titulaire choisit son mot de passe par le lien reçu, valable 72 heures. Un compte administrateur reste inactif tant qu’un second administrateur ne l’a pas confirmé.',
  invite: 'Une nouvelle invitation est envoyée ; le lien précédent ne sert plus.',
  modifie: 'Le compte est enregistré.',
  mot_de_passe:
    'Le mot de passe est changé et les sessions du compte sont fermées. Pour un administrateur, le changement attend la confirmation d’un second administrateur.',
  active:
    'Le compte est réactivé. Pour un administrateur, la réactivation attend la confirmation d’un second administrateur.',
  desactive: 'Le compte est désactivé : ses sessions sont fermées.',
  confirme: 'Le changement est confirmé et appliqué.',
  double_authentification:
    'La double authentification est réinitialisée et les sessions du compte sont fermées : son titulaire se connecte avec son mot de passe et peut ajouter une nouvelle application depuis « Mon compte ». Pour un administrateur, la réinitialisation attend la confirmation d’un second administrateur ; il configurera ensuite une nouvelle application à sa prochaine connexion.',
  annule: 'Le changement est retiré : rien n’a été appliqué.',
};

/** Optional details an administrator may erase by emptying them. */
const CLEARABLE = ['displayName', 'jobTitle'] as const;

type Action = (actor: Actor, id: string, fields: Record<string, unknown>) => Promise<unknown>;

/** The administrators' pages of the accounts: list, creation, one account. */
@ApiExcludeController()
@Controller('admin/utilisateurs')
@Roles('ADMIN')
export class UserAdminPagesController {
  constructor(
    private readonly users: UsersService,
    private readonly associations: AssociationsService,
    private readonly sites: SitesService,
    private readonly links: AccountLinksService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly secondFactor: SecondFactorService,
  ) {}

  private async listModel(actor: Actor, extra: PageState = {}) {
    const [users, associations, sites] = await Promise.all([
      this.users.list(await readForm(UserQueryDto, { pageSize: 200 })),
      this.associations.list(actor),
      this.sites.list(actor),
    ]);
    const associationNames = new Map(associations.map((a) => [a.id, a.name]));
    const siteNames = new Map(sites.map((s) => [s.id, s.name]));
    const typedSites = checkedList(extra.typed?.siteIds);
    return pageModel(actor, 'Utilisateurs', '/admin/utilisateurs', {
      mailConfigured: this.outbox.smtpConfigured,
      ssoName: this.config.get('OIDC_PROVIDER_NAME'),
      roles: options(LABELS.role, checkedList(extra.typed?.role)[0]),
      associations: associations.map((a) => ({
        ...a,
        selected: a.id === extra.typed?.associationId,
      })),
      sites: sites
        .filter((s) => s.active)
        .map((s) => ({ ...s, checked: typedSites.includes(s.id) })),
      users: users.items.map((u) => ({
        ...u,
        roleLabel: LABELS.role[u.role],
        where: u.associationId
          ? associationNames.get(u.associationId)
          : u.siteIds.map((id) => siteNames.get(id)).join(', '),
        pendingLabel: u.pendingChange ? LABELS.accountChange[u.pendingChange.kind] : '',
      })),
      ...extra,
    });
  }

  @Get()
  @Render('admin/users')
  async listPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.listModel(actor, { flash: flashMessage(DONE, done) });
  }

  @Post()
  create(@CurrentUser() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response) {
    return pageAction(
      res,
      async () => {
        const fields = formFields(body);
        const siteIds = checkedList(fields.siteIds);
        const account: Record<string, unknown> = {
          ...fields,
          siteIds: siteIds.length ? siteIds : undefined,
        };
        // with e-mail, nobody but the holder chooses the password: an invitation
        if (this.outbox.smtpConfigured) {
          delete account.password;
          const invited = await this.links.invite(actor, await readForm(InviteUserDto, account));
          return `/admin/utilisateurs/${invited.id}?fait=invitation`;
        }
        const created = await this.users.create(actor, await readForm(CreateUserDto, account));
        return `/admin/utilisateurs/${created.id}?fait=utilisateur`;
      },
      samePage('admin/users', 'create', body, (refusal) => this.listModel(actor, refusal)),
    );
  }

  private async detailModel(actor: Actor, id: string, extra: PageState = {}) {
    const [user, sites, associations] = await Promise.all([
      this.users.get(id),
      this.sites.list(actor),
      this.associations.list(actor),
    ]);
    const [names, enrolled] = await Promise.all([
      this.users.names([user.pendingChange?.requestedBy]),
      this.secondFactor.enrolled([user.id]),
    ]);
    const typedSites =
      extra.refused === 'modifier' ? checkedList(extra.typed?.siteIds) : user.siteIds;
    const hasSites = user.role === 'AGENT' || user.role === 'PRESCRIBER';
    return pageModel(actor, user.displayName ?? user.email, '/admin/utilisateurs', {
      mailConfigured: this.outbox.smtpConfigured,
      ssoName: this.config.get('OIDC_PROVIDER_NAME'),
      account: {
        ...user,
        roleLabel: LABELS.role[user.role],
        associationName: associations.find((a) => a.id === user.associationId)?.name ?? '',
      },
      isSelf: user.id === actor.id,
      secondFactor: enrolled.has(user.id),
      hasSites,
      sites: hasSites
        ? sites
            .filter((s) => s.active || user.siteIds.includes(s.id))
            .map((s) => ({ ...s, checked: typedSites.includes(s.id) }))
        : [],
      pending: user.pendingChange
        ? {
            ...user.pendingChange,
            label: LABELS.accountChange[user.pendingChange.kind],
            by: names.get(user.pendingChange.requestedBy) ?? '',
            // a second administrator: neither the requester nor the account itself
            confirmable: user.pendingChange.requestedBy !== actor.id && user.id !== actor.id,
          }
        : null,
      ...extra,
    });
  }

  @Get(':id')
  @Render('admin/user')
  async detailPage(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('fait') done?: string,
  ) {
    return this.detailModel(actor, id, { flash: flashMessage(DONE, done) });
  }

  private readonly actions = new Map<string, [Action, string]>([
    [
      'modifier',
      [
        async (actor, id, f) => {
          const user = await this.users.get(id);
          const hasSites = user.role === 'AGENT' || user.role === 'PRESCRIBER';
          const siteIds = checkedList(f.siteIds).sort();
          // sites sent only when changed: a site closed since stays assigned until changed
          const changed = hasSites && siteIds.join() !== [...user.siteIds].sort().join();
          return this.users.update(
            actor,
            id,
            await readForm(UpdateUserDto, {
              displayName: f.displayName,
              jobTitle: f.jobTitle,
              ...(changed ? { siteIds } : {}),
            }),
          );
        },
        'modifie',
      ],
    ],
    [
      'mot-de-passe',
      [
        async (actor, id, f) => {
          if (this.outbox.smtpConfigured)
            throw ValidationFailedError.field(
              'password',
              'with e-mail configured, the holder chooses their password (forgotten-password link)',
              'se choisit par son titulaire, depuis « Mot de passe oublié »',
            );
          requireConfirmation(
            f,
            'confirmPassword',
            'cochez la case pour confirmer la fermeture des sessions',
          );
          return this.users.update(
            actor,
            id,
            await readForm(UpdateUserDto, { password: newPassword(f) }),
          );
        },
        'mot_de_passe',
      ],
    ],
    ['inviter', [(actor, id) => this.links.reinvite(actor, id), 'invite']],
    [
      'desactiver',
      [
        async (actor, id) =>
          this.users.update(actor, id, await readForm(UpdateUserDto, { active: false })),
        'desactive',
      ],
    ],
    [
      'activer',
      [
        async (actor, id) =>
          this.users.update(actor, id, await readForm(UpdateUserDto, { active: true })),
        'active',
      ],
    ],
    [
      'confirmer',
      [
        async (actor, id, f) =>
          this.users.confirmChange(actor, id, (await readForm(ConfirmChangeDto, f)).changeId ?? ''),
        'confirme',
      ],
    ],
    ['retirer', [(actor, id) => this.users.cancelChange(actor, id), 'annule']],
    [
      'double-authentification',
      [
        async (actor, id, f) => {
          requireConfirmation(
            f,
            'confirmReset',
            'cochez la case pour confirmer la fermeture des sessions',
          );
          return this.secondFactor.reset(actor, id);
        },
        'double_authentification',
      ],
    ],
  ]);

  @Post(':id/:action')
  act(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = { ...formFields(body), ...clearedFields(body, CLEARABLE) };
    const forms: NamedForms = new Map(
      [...this.actions].map(([name, [run, done]]) => [
        name,
        [(f: Record<string, unknown>) => run(actor, id, f), done] as const,
      ]),
    );
    return namedFormAction(res, forms, action, fields, {
      path: `/admin/utilisateurs/${id}`,
      view: 'admin/user',
      body,
      model: (refusal) => this.detailModel(actor, id, refusal),
    });
  }
}
