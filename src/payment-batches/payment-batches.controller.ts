import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { streamDownload } from '../common/http/streaming';
import { UuidParam } from '../common/http/uuid-param';
import { Page, PageOf } from '../common/pagination';
import {
  CancelPaymentBatchDto,
  PaymentBatchDetailDto,
  PaymentBatchDto,
  PaymentBatchQueryDto,
  PreparePaymentBatchDto,
} from './dto/payment-batch.dto';
import { PaymentBatchesService, PaymentFileFormat } from './payment-batches.service';

const CONTENT_TYPES: Record<PaymentFileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  mandates: 'text/csv; charset=utf-8',
};

@ApiTags('payment-batches')
@Controller('api/payment-batches')
@Roles('ADMIN')
export class PaymentBatchesController {
  constructor(private readonly batches: PaymentBatchesService) {}

  @Post()
  @ApiOperation({
    summary:
      'Prepare a payment batch (bordereau) of approved statements with a positive total that are in no other batch; correction and zero statements never go into one',
  })
  @ApiCreatedResponse({ type: PaymentBatchDetailDto })
  @ApiProblems(400, 409)
  prepare(
    @CurrentUser() actor: Actor,
    @Body() dto: PreparePaymentBatchDto,
  ): Promise<PaymentBatchDetailDto> {
    return this.batches.prepare(actor, dto.statementIds);
  }

  @Get()
  @ApiOperation({ summary: 'Payment batches, newest first' })
  @ApiOkResponse({ type: PageOf(PaymentBatchDto) })
  @ApiProblems(400)
  list(
    @CurrentUser() actor: Actor,
    @Query() q: PaymentBatchQueryDto,
  ): Promise<Page<PaymentBatchDto>> {
    return this.batches.list(actor, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One payment batch with its statements' })
  @ApiOkResponse({ type: PaymentBatchDetailDto })
  @ApiProblems(400, 404)
  get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<PaymentBatchDetailDto> {
    return this.batches.get(actor, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a prepared batch: another person than who prepared it (four eyes)',
  })
  @ApiOkResponse({ type: PaymentBatchDetailDto })
  @ApiProblems(400, 403, 404, 409)
  approve(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<PaymentBatchDetailDto> {
    return this.batches.approve(actor, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a batch not yet approved; its statements are freed' })
  @ApiOkResponse({ type: PaymentBatchDetailDto })
  @ApiProblems(400, 404, 409)
  cancel(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: CancelPaymentBatchDto,
  ): Promise<PaymentBatchDetailDto> {
    return this.batches.cancel(actor, id, dto.reason);
  }

  @Post(':id/sent')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record that the approved batch went to the finance department (mandates imported): its statements become SENT',
  })
  @ApiOkResponse({ type: PaymentBatchDetailDto })
  @ApiProblems(400, 404, 409)
  sent(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<PaymentBatchDetailDto> {
    return this.batches.markSent(actor, id);
  }

  @Get(':id/mandates.csv')
  @ApiOperation({
    summary:
      "The approved batch as the finance software's mandates import: one line per statement (per budget imputation), columns from MANDATE_CSV_COLUMNS frozen at approval; the same bytes every time",
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiProblems(400, 404, 409)
  mandates(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Res() res: Response,
  ): Promise<void> {
    return this.download(actor, id, 'mandates', res);
  }

  @Get(':id/transfers.csv')
  @ApiOperation({
    summary: 'The approved batch as CSV for the public accountant: the same bytes every time',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiProblems(400, 404, 409)
  csv(@CurrentUser() actor: Actor, @UuidParam() id: string, @Res() res: Response): Promise<void> {
    return this.download(actor, id, 'csv', res);
  }

  @Get(':id/transfers.xml')
  @ApiOperation({
    summary:
      'The approved batch as a SEPA credit transfer file (pain.001.001.03), message id = batch number: the same bytes every time',
  })
  @ApiProduces('application/xml')
  @ApiOkResponse({
    description: 'XML',
    content: { 'application/xml': { schema: { type: 'string' } } },
  })
  @ApiProblems(400, 404, 409)
  xml(@CurrentUser() actor: Actor, @UuidParam() id: string, @Res() res: Response): Promise<void> {
    return this.download(actor, id, 'xml', res);
  }

  private download(
    actor: Actor,
    id: string,
    format: PaymentFileFormat,
    res: Response,
  ): Promise<void> {
    return streamDownload(res, CONTENT_TYPES[format], async (out, ready) => {
      const file = await this.batches.file(actor, id, format);
      ready(file.fileName);
      out.end(file.content);
    });
  }
}
