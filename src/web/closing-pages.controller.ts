import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { reportLines } from '../closing/closing-report';
import { ClosingService } from '../closing/closing.service';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { formFields, requireConfirmation } from './forms';
import { pageAction } from './page-action';
import { pageModel } from './page-model';

/** The end of a programme: what it would be closed with, why not yet, and the closing itself. */
@ApiExcludeController()
@Controller('admin/dispositifs')
export class ClosingPagesController {
  constructor(private readonly closing: ClosingService) {}

  @Get(':id/cloture')
  @Roles('ADMIN', 'AGENT')
  @Render('admin/closing')
  async page(@CurrentUser() actor: Actor, @Param('id', ParseUUIDPipe) id: string) {
    return this.model(actor, id, {});
  }

  @Post(':id/cloture')
  @Roles('ADMIN')
  async close(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    return pageAction(
      res,
      async () => {
        requireConfirmation(fields, 'confirmClose', 'cochez la case pour confirmer la clôture');
        await this.closing.close(actor, id);
        return `/admin/dispositifs/${id}/cloture`;
      },
      async (errors) => ['admin/closing', await this.model(actor, id, { errors })],
    );
  }

  private async model(actor: Actor, id: string, extra: object) {
    const closing = await this.closing.preview(id);
    return pageModel(actor, `Clôture — ${closing.programmeName}`, '/agent', {
      closing,
      lines: reportLines(closing.figures).map(([label, cents, count]) => ({ label, cents, count })),
      canClose: actor.role === 'ADMIN' && closing.closable,
      ...extra,
    });
  }
}
