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
import { AccreditationsService } from '../associations/accreditations.service';
import { AssociationsService } from '../associations/associations.service';
import {
  AccreditationReasonDto,
  accreditationOfToday,
  AssociationDto,
  ConfirmBankDetailsDto,
  CreateAssociationDto,
  GrantAccreditationDto,
  OptionalReasonDto,
  RequestBankDetailsDto,
  UpdateAssociationDto,
} from '../associations/dto/association.dto';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';

import { parisToday } from '../common/dates';
import { UploadedDocument, UploadedDocumentParam } from '../common/http/uploaded-file';
import { UsersService } from '../users/users.service';
import { clearedFields, formFields, lineList, readForm, requireConfirmation } from './forms';
import { LABELS } from './labels';
import { namedFormAction, NamedForms, pageAction, PageState, samePage } from './page-action';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  structure: 'La structure est enregistrée.',
  modifiee: 'Les informations de la structure sont enregistrées.',
  habilitation: "L'habilitation est enregistrée.",
  suspendue: "L'habilitation est suspendue : la structure ne peut plus encaisser.",
  retablie: "L'habilitation est rétablie.",
  retiree: "L'habilitation est retirée : la structure ne peut plus encaisser.",
  rib: 'Les nouvelles coordonnées bancaires attendent la confirmation d’un autre administrateur.',
  rib_confirme: 'Les nouvelles coordonnées bancaires sont confirmées.',
  rib_retire: 'La demande de nouvelles coordonnées bancaires est retirée.',
};

/** The accreditation that matters today: the one in force, else the latest. */
function currentAccreditation(a: AssociationDto, today: string) {
  const current = accreditationOfToday(a, today);
  if (!current) return null;
  return {
    ...current,
    expired: current.validUntil < today,
    statusLabel:
      current.validUntil < today ? 'Expirée' : LABELS.accreditationStatus[current.status],
  };
}

/** Optional details an administrator may erase by emptying them. */
const CLEARABLE = ['phone', 'openingHours'] as const;

type Action = (
  actor: Actor,
  id: string,
  fields: Record<string, unknown>,
  file: UploadedDocument | undefined,
) => Promise<unknown>;

/** The administrators' pages of the mediation associations: list, creation, one association. */
@ApiExcludeController()
@Controller('admin/structures')
@Roles('ADMIN')
export class StructureAdminPagesController {
  constructor(
    private readonly associations: AssociationsService,
    private readonly accreditations: AccreditationsService,
    private readonly users: UsersService,
  ) {}

  private async listModel(actor: Actor, extra: object = {}) {
    const today = parisToday();
    const list = await this.associations.list(actor);
    return pageModel(actor, 'Structures de médiation', '/admin/structures', {
      associations: list.map((a) => ({ ...a, current: currentAccreditation(a, today) })),
      ...extra,
    });
  }

  @Get()
  @Render('admin/associations')
  async listPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.listModel(actor, { flash: flashMessage(DONE, done) });
  }

  @Post()
  create(@CurrentUser() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response) {
    return pageAction(
      res,
      async () => {
        const fields = formFields(body);
        const dto = await readForm(CreateAssociationDto, {
          ...fields,
          activities: lineList(fields.activities) ?? [],
        });
        const created = await this.associations.create(actor, dto);
        return `/admin/structures/${created.id}?fait=structure`;
      },
      samePage('admin/associations', 'create', body, (refusal) => this.listModel(actor, refusal)),
    );
  }

  private async detailModel(actor: Actor, id: string, extra: PageState = {}) {
    const today = parisToday();
    const [a, bankHistory] = await Promise.all([
      this.associations.get(actor, id),
      this.associations.bankDetailsHistory(actor, id),
    ]);
    const decisions = a.accreditations.flatMap((x) => x.decisions);
    const names = await this.users.names([
      ...decisions.map((d) => d.decidedBy),
      ...bankHistory.flatMap((b) => [b.requestedBy, b.decidedBy]),
    ]);
    const current = currentAccreditation(a, today);
    const pending = a.pendingBankDetails;
    return pageModel(actor, a.name, '/admin/structures', {
      association: a,
      activitiesText: a.activities.join('\n'),
      current,
      today,
      canSuspend: current?.status === 'ACTIVE' && !current.expired,
      canReinstate: current?.status === 'SUSPENDED' && !current.expired,
      canRevoke: !!current && current.status !== 'REVOKED' && !current.expired,
      accreditations: a.accreditations.map((x) => ({
        ...x,
        statusLabel: x.validUntil < today ? 'Expirée' : LABELS.accreditationStatus[x.status],
        decisions: x.decisions.map((d) => ({
          ...d,
          actionLabel: LABELS.accreditationDecision[d.action] ?? d.action,
          by: names.get(d.decidedBy) ?? '',
        })),
      })),
      pending: pending
        ? {
            ...pending,
            by: names.get(pending.requestedBy) ?? '',
            // the second pair of eyes: whoever asked cannot confirm
            confirmable: pending.requestedBy !== actor.id,
          }
        : null,
      bankHistory: bankHistory.map((b) => ({
        ...b,
        statusLabel: LABELS.bankDetailsStatus[b.status] ?? b.status,
        requestedByName: names.get(b.requestedBy) ?? '',
        decidedByName: b.decidedBy ? (names.get(b.decidedBy) ?? '') : '',
      })),
      ...extra,
    });
  }

  @Get(':id')
  @Render('admin/association')
  async detailPage(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('fait') done?: string,
  ) {
    return this.detailModel(actor, id, { flash: flashMessage(DONE, done) });
  }

  /** Each form of the association's page: what it does, and the message once done. */
  private readonly actions = new Map<string, [Action, string]>([
    [
      'modifier',
      [
        async (actor, id, f) => {
          const activities = lineList(f.activities);
          const dto = await readForm(UpdateAssociationDto, {
            ...f,
            ...(activities ? { activities } : {}),
          });
          return this.associations.update(actor, id, dto);
        },
        'modifiee',
      ],
    ],
    [
      'rib',
      [
        async (actor, id, f, file) =>
          this.associations.requestBankDetails(
            actor,
            id,
            await readForm(RequestBankDetailsDto, f),
            file,
          ),
        'rib',
      ],
    ],
    [
      'rib-confirmer',
      [
        async (actor, id, f) =>
          this.associations.confirmBankDetails(
            actor,
            id,
            (await readForm(ConfirmBankDetailsDto, f)).changeId ?? '',
          ),
        'rib_confirme',
      ],
    ],
    ['rib-retirer', [(actor, id) => this.associations.cancelBankDetails(actor, id), 'rib_retire']],
    [
      'habiliter',
      [
        async (actor, id, f) =>
          this.accreditations.grant(actor, id, await readForm(GrantAccreditationDto, f)),
        'habilitation',
      ],
    ],
    [
      'suspendre',
      [
        async (actor, id, f) =>
          this.accreditations.suspend(
            actor,
            id,
            (await readForm(AccreditationReasonDto, f)).reason,
          ),
        'suspendue',
      ],
    ],
    [
      'retablir',
      [
        async (actor, id, f) =>
          this.accreditations.reinstate(actor, id, (await readForm(OptionalReasonDto, f)).reason),
        'retablie',
      ],
    ],
    [
      'retirer',
      [
        async (actor, id, f) => {
          requireConfirmation(f, 'confirmRevoke', 'cochez la case pour confirmer le retrait');
          return this.accreditations.revoke(
            actor,
            id,
            (await readForm(AccreditationReasonDto, f)).reason,
          );
        },
        'retiree',
      ],
    ],
  ]);

  @Post(':id/:action')
  act(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @UploadedDocumentParam() file: UploadedDocument | undefined,
    @Res() res: Response,
  ) {
    const fields = { ...formFields(body), ...clearedFields(body, CLEARABLE) };
    const forms: NamedForms = new Map(
      [...this.actions].map(([name, [run, done]]) => [
        name,
        [(f: Record<string, unknown>) => run(actor, id, f, file), done] as const,
      ]),
    );
    return namedFormAction(res, forms, action, fields, {
      path: `/admin/structures/${id}`,
      view: 'admin/association',
      body,
      model: (refusal) => this.detailModel(actor, id, refusal),
    });
  }
}
