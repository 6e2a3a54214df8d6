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
import { MessageQueryDto } from '../mail/dto/message.dto';
import { OutboxService } from '../mail/outbox.service';
import { formFields, readForm } from './forms';
import { LABELS, options } from './labels';
import { errorPage, pageAction } from './page-action';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  renvoi: 'Le message est remis dans la file d’envoi.',
};

/** The outbox as administrators see it: what was written to whom, sent or not, and why. */
@ApiExcludeController()
@Controller('admin/messages')
@Roles('ADMIN')
export class MessageAdminPagesController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @Render('admin/messages')
  async listPage(
    @CurrentUser() actor: Actor,
    @Query() query: Record<string, unknown>,
    @Query('fait') done?: string,
  ) {
    const { status, kind } = formFields(query);
    const q = await readForm(MessageQueryDto, { status, kind, pageSize: 200 });
    const [summary, page] = await Promise.all([this.outbox.summary(), this.outbox.list(q)]);
    return pageModel(actor, 'Messages', '/admin/messages', {
      summary,
      total: page.total,
      statuses: options(LABELS.messageStatus, q.status),
      kinds: options(LABELS.messageKind, q.kind),
      messages: page.items.map((m) => ({
        ...m,
        kindLabel: LABELS.messageKind[m.kind],
        statusLabel: LABELS.messageStatus[m.status],
        retryable: m.status === 'FAILED',
      })),
      flash: flashMessage(DONE, done),
    });
  }

  @Post(':id/renvoyer')
  retry(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() _body: unknown,
    @Res() res: Response,
  ) {
    return pageAction(
      res,
      async () => {
        await this.outbox.retry(actor, id);
        return '/admin/messages?fait=renvoi';
      },
      errorPage(actor, 'Messages', '/admin/messages'),
    );
  }
}
