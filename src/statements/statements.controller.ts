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
  ClaimDto,
  ClaimQueryDto,
  CreateClaimDto,
  CutOffResultDto,
  MarkPaidDto,
  PaymentTrackDto,
  PaymentTrackQueryDto,
  ReasonDto,
  ReconciliationDto,
  RunCutOffDto,
  StatementDetailDto,
  StatementDto,
  StatementQueryDto,
} from './dto/statement.dto';
import { StatementDocumentsService } from './statement-documents.service';
import { CancelRedemptionDto, RedemptionDto } from '../redemptions/dto/redemption.dto';
import { ClaimsService } from './claims.service';
import { ReconciliationService } from './reconciliation.service';
import { StatementExportService } from './statement-export.service';
import { MAY } from './statement.rules';
import { StatementsService } from './statements.service';

const CSV = { 'text/csv': { schema: { type: 'string' } } };

@ApiTags('claims')
@Controller('api/claims')
export class ClaimsController {
  constructor(
    private readonly claims: ClaimsService,
    private readonly statements: StatementsService,
  ) {}

  @Post()
  @Roles('ASSOCIATION')
  @ApiOperation({
    summary: 'Gather the association’s unclaimed redemptions up to a date into a draft claim',
  })
  @ApiCreatedResponse({ type: ClaimDto })
  @ApiProblems(400, 422)
  create(@CurrentUser() actor: Actor, @Body() dto: CreateClaimDto): Promise<ClaimDto> {
    return this.claims.createClaim(actor, dto.upTo);
  }

  @Get()
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({ summary: 'Claims: an association sees its own' })
  @ApiOkResponse({ type: PageOf(ClaimDto) })
  @ApiProblems(400)
  list(@CurrentUser() actor: Actor, @Query() q: ClaimQueryDto): Promise<Page<ClaimDto>> {
    return this.claims.listClaims(actor, q);
  }

  @Get(':id')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({ summary: 'One claim' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404)
  get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<ClaimDto> {
    return this.claims.getClaim(actor, id);
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Roles(...MAY.submitClaim)
  @ApiOperation({ summary: 'Submit a draft claim' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409)
  submit(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<ClaimDto> {
    return this.claims.submit(actor, id);
  }

  @Post(':id/issue')
  @HttpCode(201)
  @Roles(...MAY.issueClaim)
  @ApiOperation({
    summary: 'Issue the statement of a submitted claim: numbered without gaps, frozen',
  })
  @ApiCreatedResponse({ type: StatementDto })
  @ApiProblems(400, 404, 409)
  issue(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<StatementDto> {
    return this.statements.issue(actor, id);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles(...MAY.rejectClaim)
  @ApiOperation({ summary: 'Send a submitted claim back; its redemptions are freed' })
  @ApiOkResponse({ type: ClaimDto })
  @ApiProblems(400, 404, 409)
  reject(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: ReasonDto,
  ): Promise<ClaimDto> {
    return this.claims.reject(actor, id, dto.reason);
  }
}

@ApiTags('statements')
@Controller('api')
export class StatementsController {
  constructor(
    private readonly statements: StatementsService,
    private readonly claims: ClaimsService,
    private readonly exports: StatementExportService,
    private readonly reconciliations: ReconciliationService,
    private readonly documents: StatementDocumentsService,
  ) {}

  @Post('statements/run')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Monthly cut-off: one submitted claim per association with unclaimed redemptions up to periodEnd, and one (a correction claim) per association that owes corrections and has nothing to claim',
  })
  @ApiCreatedResponse({ type: CutOffResultDto })
  @ApiProblems(400)
  async run(@CurrentUser() actor: Actor, @Body() dto: RunCutOffDto): Promise<CutOffResultDto> {
    return { claims: await this.claims.runCutOff(actor, dto.periodEnd) };
  }

  @Post('redemptions/:id/reverse')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiTags('redemptions')
  @ApiOperation({
    summary:
      'Reverse a redemption already on an issued statement: a negative line goes on the association’s next statement',
  })
  @ApiOkResponse({ type: RedemptionDto })
  @ApiProblems(400, 404, 409)
  reverse(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: CancelRedemptionDto,
  ): Promise<RedemptionDto> {
    return this.statements.reverseRedemption(actor, id, dto);
  }

  @Get('statements')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({
    summary:
      'Statements: an association sees its own; filters by programme, status, period, association',
  })
  @ApiOkResponse({ type: PageOf(StatementDto) })
  @ApiProblems(400)
  list(@CurrentUser() actor: Actor, @Query() q: StatementQueryDto): Promise<Page<StatementDto>> {
    return this.statements.listStatements(actor, q);
  }

  @Get('statements/payments')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({
    summary:
      'Where is my money: each claim with the date of every step (submitted, issued, approved, in a batch, sent, paid) and the days since approval against PAYMENT_DELAY_DAYS; an association sees its own; late=true keeps the late ones',
  })
  @ApiOkResponse({ type: [PaymentTrackDto] })
  @ApiProblems(400)
  payments(
    @CurrentUser() actor: Actor,
    @Query() q: PaymentTrackQueryDto,
  ): Promise<PaymentTrackDto[]> {
    return this.statements.paymentTrack(actor, {
      late: q.late === 'true',
      associationId: q.associationId,
      pageSize: q.pageSize,
    });
  }

  @Get('statements/:id')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({ summary: 'One statement with its first 1,000 lines' })
  @ApiOkResponse({ type: StatementDetailDto })
  @ApiProblems(400, 404)
  get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<StatementDetailDto> {
    return this.statements.getStatement(actor, id);
  }

  @Get('statements/:id/csv')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({
    summary: 'The statement as CSV (UTF-8 with BOM, `;`, decimal comma, JJ/MM/AAAA)',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', content: CSV })
  @ApiProblems(400, 404)
  csv(@CurrentUser() actor: Actor, @UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.exports.writeCsv(actor, id, out, ready),
    );
  }

  @Get('statements/:id/pdf')
  @Roles('ASSOCIATION', 'ADMIN', 'AGENT')
  @ApiOperation({
    summary:
      'The statement as PDF/A-3b, tagged, with its lines embedded as CSV: drawn once at approval and the same bytes ever after (provisional, drawn now, while only issued)',
  })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404)
  pdf(@CurrentUser() actor: Actor, @UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'application/pdf', async (out, ready) => {
      const statement = await this.statements.findStatement(actor, id);
      ready(`${statement.number}.pdf`);
      await this.documents.write(statement, out);
    });
  }

  @Post('statements/:id/approve')
  @HttpCode(200)
  @Roles(...MAY.approveStatement)
  @ApiOperation({ summary: 'Approve (another administrator than the issuer)' })
  @ApiOkResponse({ type: StatementDto })
  @ApiProblems(400, 404, 409)
  approve(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<StatementDto> {
    return this.statements.approve(actor, id);
  }

  @Post('statements/:id/paid')
  @HttpCode(200)
  @Roles(...MAY.payStatement)
  @ApiOperation({ summary: 'Record the payment (date and payment order number); once' })
  @ApiOkResponse({ type: StatementDto })
  @ApiProblems(400, 404, 409)
  paid(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: MarkPaidDto,
  ): Promise<StatementDto> {
    return this.statements.markPaid(actor, id, dto);
  }

  @Get('programmes/:id/reconciliation')
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({
    summary:
      'Where every issued cheque’s value is, to the cent, and whether both equations balance',
  })
  @ApiOkResponse({ type: ReconciliationDto })
  @ApiProblems(400)
  reconciliation(@UuidParam() id: string): Promise<ReconciliationDto> {
    return this.reconciliations.reconciliation(id);
  }
}
