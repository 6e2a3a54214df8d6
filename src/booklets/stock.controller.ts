import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import { Page, PageOf } from '../common/pagination';
import {
  CreateTransferDto,
  LossResultDto,
  ReportLossDto,
  StockDto,
  TransferDto,
  TransferQueryDto,
} from './dto/booklet.dto';
import { StockService } from './stock.service';

@ApiTags('stock')
@Controller('api/stock')
@Roles('ADMIN', 'AGENT', 'PRESCRIBER')
export class StockController {
  constructor(private readonly stock: StockService) {}

  @Get()
  @ApiOperation({
    summary: 'Booklets per site and programme: in stock, in transit, handed out, cancelled, aged',
  })
  @ApiOkResponse({ type: StockDto })
  get(@CurrentUser() actor: Actor): Promise<StockDto> {
    return this.stock.stock(actor);
  }

  @Post('transfers')
  @ApiOperation({ summary: 'Send booklets of stock (by ranges of numbers) to another site' })
  @ApiCreatedResponse({ type: TransferDto })
  @ApiProblems(400, 404, 409)
  transfer(@CurrentUser() actor: Actor, @Body() dto: CreateTransferDto): Promise<TransferDto> {
    return this.stock.transfer(actor, dto);
  }

  @Get('transfers')
  @ApiOperation({ summary: 'Transfers from or to the caller’s sites, newest first' })
  @ApiOkResponse({ type: PageOf(TransferDto) })
  @ApiProblems(400)
  transfers(
    @CurrentUser() actor: Actor,
    @Query() query: TransferQueryDto,
  ): Promise<Page<TransferDto>> {
    return this.stock.transfers(actor, query);
  }

  @Post('transfers/:id/receive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record the arrival of a transfer at its receiving site' })
  @ApiOkResponse({ type: TransferDto })
  @ApiProblems(400, 403, 404, 409)
  receive(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<TransferDto> {
    return this.stock.receive(actor, id);
  }

  @Post('losses')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Report booklets of a site’s stock lost or stolen, by range: they and their cheques are cancelled, the value released',
  })
  @ApiOkResponse({ type: LossResultDto })
  @ApiProblems(400, 404, 409)
  loss(@CurrentUser() actor: Actor, @Body() dto: ReportLossDto): Promise<LossResultDto> {
    return this.stock.reportLoss(actor, dto);
  }
}
