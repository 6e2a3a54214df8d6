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
import { Page, PageOf, PageQueryDto } from '../common/pagination';
import { BookletDocumentsService } from './booklet-documents.service';
import { BookletsService } from './booklets.service';
import { HandoverService } from './handover.service';
import {
  BookletDto,
  BookletQueryDto,
  BookletSummaryDto,
  CancelBookletDto,
  CancelResultDto,
  CoverQueryDto,
  CreateBatchDto,
  HandoverDto,
  HandoverResultDto,
  IssueBookletDto,
  PrintBatchDto,
} from './dto/booklet.dto';

@ApiTags('booklets')
@Controller('api/booklets')
@Roles('ADMIN', 'AGENT')
export class BookletsController {
  constructor(
    private readonly booklets: BookletsService,
    private readonly documents: BookletDocumentsService,
    private readonly handovers: HandoverService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Issue a booklet (carnet) for a beneficiary' })
  @ApiCreatedResponse({ type: BookletDto })
  @ApiProblems(400, 404, 409, 422)
  issue(@CurrentUser() actor: Actor, @Body() dto: IssueBookletDto): Promise<BookletDto> {
    return this.booklets.issue(actor, dto);
  }

  @Post('batches')
  @ApiOperation({ summary: 'Issue a print run of anonymous booklets for a distribution point' })
  @ApiCreatedResponse({ type: PrintBatchDto })
  @ApiProblems(400, 404, 409, 422)
  createBatch(@CurrentUser() actor: Actor, @Body() dto: CreateBatchDto): Promise<PrintBatchDto> {
    return this.booklets.createBatch(actor, dto);
  }

  @Get('batches')
  @ApiOperation({ summary: 'Print runs, newest first' })
  @ApiOkResponse({ type: PageOf(PrintBatchDto) })
  @ApiProblems(400)
  listBatches(@Query() query: PageQueryDto): Promise<Page<PrintBatchDto>> {
    return this.booklets.listBatches(query);
  }

  @Get('batches/:id/pdf')
  @ApiOperation({ summary: 'The whole print run as one PDF, streamed while it is generated' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404)
  batchPdf(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'application/pdf', (out, ready) =>
      this.documents.writeBatchPdf(id, out, ready),
    );
  }

  @Get('batches/:id/manifest.csv')
  @ApiOperation({ summary: 'Booklet numbers and cheque counts of a print run (never codes)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV (UTF-8 with BOM, `;`)',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiProblems(400, 404)
  manifest(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.documents.writeBatchManifest(id, out, ready),
    );
  }

  @Get('by-cover')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({
    summary: 'The booklet of a scanned cover QR (its /carnet/… URL) or of its typed token',
  })
  @ApiOkResponse({ type: BookletDto })
  @ApiProblems(400, 404)
  byCover(@CurrentUser() actor: Actor, @Query() query: CoverQueryDto): Promise<BookletDto> {
    return this.handovers.byCover(actor, query.cover);
  }

  @Get()
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({ summary: 'Search booklets (a prescriber: those of their sites)' })
  @ApiOkResponse({ type: PageOf(BookletSummaryDto) })
  @ApiProblems(400)
  list(
    @CurrentUser() actor: Actor,
    @Query() query: BookletQueryDto,
  ): Promise<Page<BookletSummaryDto>> {
    return this.booklets.list(actor, query);
  }

  @Get(':id')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({ summary: 'One booklet with its cheques' })
  @ApiOkResponse({ type: BookletDto })
  @ApiProblems(400, 404)
  get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<BookletDto> {
    return this.booklets.get(actor, id);
  }

  @Get(':id/pdf')
  @ApiOperation({
    summary: 'The printable booklet: A4, a cover then the cheques with their QR codes',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404, 409)
  pdf(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'application/pdf', (out, ready) =>
      this.documents.writeBookletPdf(id, out, ready),
    );
  }

  @Get(':id/letter.pdf')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({
    summary:
      'The covering letter for the beneficiary: one page, plain French, the nearest accredited associations',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404, 409)
  letter(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Res() res: Response,
  ): Promise<void> {
    return streamDownload(res, 'application/pdf', (out, ready) =>
      this.documents.writeLetterPdf(actor, id, out, ready),
    );
  }

  @Post(':id/handover')
  @HttpCode(200)
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({
    summary:
      'Hand a booklet of stock to a beneficiary: records the least data the programme asks and activates its cheques',
  })
  @ApiOkResponse({ type: HandoverResultDto })
  @ApiProblems(400, 404, 409, 422)
  handover(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: HandoverDto,
  ): Promise<HandoverResultDto> {
    return this.handovers.handover(actor, id, dto);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Cancel a booklet (lost, stolen, damaged…), optionally replacing its unredeemed cheques',
  })
  @ApiOkResponse({ type: CancelResultDto })
  @ApiProblems(400, 404, 409, 422)
  cancel(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: CancelBookletDto,
  ): Promise<CancelResultDto> {
    return this.booklets.cancel(actor, id, dto);
  }
}
