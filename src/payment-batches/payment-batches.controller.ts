import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
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
  PaymentResultsDto,
  PaymentResultsQueryDto,
  PreparePaymentBatchDto,
} from './dto/payment-batch.dto';
import { COMMON_ERRORS } from '../common/errors/common.errors';
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

  @Get(':id/documents.zip')
  @ApiOperation({
    summary:
      "The approved batch's supporting documents: each statement's PDF (as kept at its approval), named as in the mandates file, and the mandates file; the same bytes every time",
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'ZIP',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404, 409)
  documents(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Res() res: Response,
  ): Promise<void> {
    return streamDownload(res, 'application/zip', async (out, ready) => {
      const file = await this.batches.documentsZip(actor, id);
      ready(file.fileName);
      out.end(file.content);
    });
  }

  @Post(':id/results')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Read back the payment results of the finance software for a sent batch (CSV body: numero_etat or numero_mandat, montant, date_paiement, reference_paiement): all or nothing, a second import of the same file changes nothing; dryRun=true shows what it would do',
  })
  @ApiConsumes('text/csv')
  @ApiBody({
    description: 'The results file, UTF-8, ; or , separated, with a header line',
    schema: { type: 'string' },
  })
  @ApiOkResponse({ type: PaymentResultsDto })
  @ApiProblems(400, 404, 409, 415, 422)
  results(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() body: unknown,
    @Query() q: PaymentResultsQueryDto,
  ): Promise<PaymentResultsDto> {
    if (typeof body !== 'string')
      throw COMMON_ERRORS.custom('UNSUPPORTED_MEDIA_TYPE', 'Envoyez le fichier en text/csv.');
    return this.batches.applyResults(actor, id, body, q.dryRun === 'true');
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
