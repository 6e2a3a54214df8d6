import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import { Page, PageOf } from '../common/pagination';
import { MessageDto, MessageQueryDto, OutboxSummaryDto } from './dto/message.dto';
import { OutboxService } from './outbox.service';

@ApiTags('messages')
@Controller('api/messages')
@Roles('ADMIN')
export class MailController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @ApiOperation({ summary: 'E-mail written by the service, newest first (the outbox)' })
  @ApiOkResponse({ type: PageOf(MessageDto) })
  @ApiProblems(400)
  list(@Query() q: MessageQueryDto): Promise<Page<MessageDto>> {
    return this.outbox.list(q);
  }

  @Get('summary')
  @ApiOperation({ summary: 'How many messages wait, were sent, failed or expired' })
  @ApiOkResponse({ type: OutboxSummaryDto })
  summary(): Promise<OutboxSummaryDto> {
    return this.outbox.summary();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One message (the text of one with a personal link is never shown)' })
  @ApiOkResponse({ type: MessageDto })
  @ApiProblems(400, 404)
  get(@UuidParam() id: string): Promise<MessageDto> {
    return this.outbox.get(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a given-up (FAILED) message again' })
  @ApiOkResponse({ type: MessageDto })
  @ApiProblems(400, 404, 409)
  retry(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<MessageDto> {
    return this.outbox.retry(actor, id);
  }
}
