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
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ValidationFailedError } from '../common/errors/common.errors';
import type { FieldError } from '../common/errors/domain-error';
import { parseEuros, typedEuros } from '../common/money';
import {
  CreateProgrammeDto,
  ExtendProgrammeDto,
  ProgrammeDto,
  UpdateProgrammeDto,
} from '../programmes/dto/programme.dto';
import { ProgrammesService } from '../programmes/programmes.service';
import { clearedFields, formFields, lineList, readForm } from './forms';
import { pageAction, PageState, samePage } from './page-action';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  cree: 'Le dispositif est créé. Vous pouvez maintenant émettre des carnets ou lancer un lot d’impression.',
  modifie: 'Le dispositif est enregistré.',
  prolonge: 'Le dispositif est prolongé.',
};

/** Optional details an administrator may erase by emptying them. */
const CLEARABLE = [
  'budgetChapter',
  'budgetArticle',
  'budgetFunction',
  'budgetService',
  'legalBasis',
  'legalBasisDate',
] as const;

/** The dates and amounts printed on booklets: frozen once one exists. */
const PRINTED = ['faceValueCents', 'chequesPerBooklet', 'validFrom', 'expiresOn', 'claimDeadline'];

/**
 * A programme form's fields as the API's DTO takes them: euros to cents (`budget`, `faceValue`),
 * one activity per line, the names checkbox. `printed` fields are left out when they are frozen.
 */
function programmeFields(fields: Record<string, unknown>, frozen: boolean) {
  const errors: FieldError[] = [];
  const cents = (name: string, target: string) => {
    const text = fields[name];
    delete fields[name];
    if (typeof text !== 'string') return;
    const value = parseEuros(text);
    if (value === null)
      errors.push({
        field: target,
        message: 'not an amount in euros',
        fr: 'n’est pas un montant en euros (par exemple 50 000,00)',
      });
    else fields[target] = value;
  };
  cents('budget', 'budgetCents');
  cents('faceValue', 'faceValueCents');
  if (errors.length) throw new ValidationFailedError(errors);
  fields.activities = lineList(fields.activities) ?? [];
  fields.allowBeneficiaryNames = fields.allowBeneficiaryNames === 'oui';
  if (frozen) for (const key of PRINTED) delete fields[key];
  return fields;
}

/** A programme as its form shows it (amounts in euros as typed, activities one per line). */
const formValues = (p: ProgrammeDto) => ({
  ...p,
  budget: typedEuros(p.budgetCents),
  faceValue: typedEuros(p.faceValueCents),
  activitiesText: p.activities.join('\n'),
});

/** The programmes (dispositifs): list for agents, creation and changes for administrators. */
@ApiExcludeController()
@Controller('admin/dispositifs')
export class ProgrammePagesController {
  constructor(private readonly programmes: ProgrammesService) {}

  @Get()
  @Roles('ADMIN', 'AGENT')
  @Render('admin/programmes')
  async listPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return pageModel(actor, 'Dispositifs', '/admin/dispositifs', {
      flash: flashMessage(DONE, done),
      isAdmin: actor.role === 'ADMIN',
      programmes: await this.programmes.list(),
    });
  }

  private newModel(actor: Actor, extra: object = {}) {
    return Promise.resolve(
      pageModel(actor, 'Nouveau dispositif', '/admin/dispositifs', {
        defaults: { faceValue: '10,00', chequesPerBooklet: 10 },
        ...extra,
      }),
    );
  }

  @Get('nouveau')
  @Roles('ADMIN')
  @Render('admin/programme-new')
  newPage(@CurrentUser() actor: Actor) {
    return this.newModel(actor);
  }

  @Post('nouveau')
  @Roles('ADMIN')
  create(@CurrentUser() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response) {
    return pageAction(
      res,
      async () => {
        const dto = await readForm(CreateProgrammeDto, programmeFields(formFields(body), false));
        const created = await this.programmes.create(actor, dto);
        return `/admin/dispositifs/${created.id}?fait=cree`;
      },
      samePage('admin/programme-new', 'create', body, (refusal) => this.newModel(actor, refusal)),
    );
  }

  private async detailModel(actor: Actor, id: string, extra: PageState = {}) {
    const [programme, booklets] = await Promise.all([
      this.programmes.get(id),
      this.programmes.bookletCount(id),
    ]);
    return pageModel(actor, programme.name, '/admin/dispositifs', {
      programme: formValues(programme),
      booklets,
      frozen: booklets > 0,
      closed: !!programme.closedAt,
      ...extra,
    });
  }

  @Get(':id')
  @Roles('ADMIN')
  @Render('admin/programme')
  async detailPage(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('fait') done?: string,
  ) {
    return this.detailModel(actor, id, { flash: flashMessage(DONE, done) });
  }

  @Post(':id/modifier')
  @Roles('ADMIN')
  update(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return this.act(actor, id, 'modifier', body, res);
  }

  @Post(':id/prolonger')
  @Roles('ADMIN')
  extend(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return this.act(actor, id, 'prolonger', body, res);
  }

  private act(
    actor: Actor,
    id: string,
    action: 'modifier' | 'prolonger',
    body: Record<string, unknown>,
    res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        if (action === 'modifier') {
          const frozen = (await this.programmes.bookletCount(id)) > 0;
          const dto = await readForm(
            UpdateProgrammeDto,
            programmeFields({ ...formFields(body), ...clearedFields(body, CLEARABLE) }, frozen),
          );
          await this.programmes.update(actor, id, dto);
          return `/admin/dispositifs/${id}?fait=modifie`;
        }
        await this.programmes.extend(
          actor,
          id,
          await readForm(ExtendProgrammeDto, formFields(body)),
        );
        return `/admin/dispositifs/${id}?fait=prolonge`;
      },
      samePage('admin/programme', action, body, (refusal) => this.detailModel(actor, id, refusal)),
    );
  }
}
