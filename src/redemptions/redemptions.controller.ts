import {
  Body,
  Controller,
  createParamDecorator,
  ExecutionContext,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ValidationFailedError } from '../common/errors/common.errors';
import { ApiProblems } from '../common/http/api-problems';
import { streamDownload } from '../common/http/streaming';
import { UuidParam } from '../common/http/uuid-param';
import {
  CancelRedemptionDto,
  ChequeCheckDto,
  CreateRedemptionDto,
  PublicChequeDto,
  RedemptionDto,
  RedemptionPageDto,
  RedemptionQueryDto,
} from './dto/redemption.dto';
import { ChequeCheckService } from './cheque-check.service';
import { RedemptionExportService } from './redemption-export.service';
import { RedemptionsService } from './redemptions.service';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/;

/** The Idempotency-Key header, required: 8 to 100 letters, digits or _ . : - (a UUID fits). */
const IdempotencyKeyHeader = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const value = ctx.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw ValidationFailedError.field(
      'Idempotency-Key',
      'Idempotency-Key header is required: 8 to 100 letters, digits, _ . : or -',
    );
  }
  return value;
});

const CODE_PARAM = {
  name: 'code',
  description: 'The printed code (any case, dashes optional) or the QR’s URL, URL-encoded',
};

@ApiTags('redemptions')
@Controller('api')
export class RedemptionsController {
  constructor(
    private readonly redemptions: RedemptionsService,
    private readonly checker: ChequeCheckService,
    private readonly exports: RedemptionExportService,
  ) {}

  @Get('cheques/:code/check')
  @Roles('ASSOCIATION')
  @ApiOperation({
    summary: 'Whether this association can redeem the cheque now (does not consume it)',
    description: 'Failed lookups are rate limited per user and per IP.',
  })
  @ApiParam(CODE_PARAM)
  @ApiOkResponse({ type: ChequeCheckDto })
  @ApiProblems(400, 404, 409, 410, 422, 429)
  check(
    @CurrentUser() actor: Actor,
    @Param('code') code: string,
    @Req() req: Request,
  ): Promise<ChequeCheckDto> {
    return this.checker.check({ actor, ip: req.ip }, code);
  }

  @Post('redemptions')
  @Roles('ASSOCIATION')
  @ApiOperation({
    summary: 'Redeem the cheques presented for one workshop, all or nothing',
    description:
      'The same Idempotency-Key with the same body returns the first result; with another body, 422 IDEMPOTENCY_KEY_REUSED. Refusals list each cheque in `cheques`.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '8–100 characters, e.g. a UUID made by the client for this attempt',
  })
  @ApiCreatedResponse({ type: RedemptionDto })
  @ApiProblems(400, 404, 409, 410, 422, 429)
  async redeem(
    @CurrentUser() actor: Actor,
    @IdempotencyKeyHeader() key: string,
    @Body() dto: CreateRedemptionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RedemptionDto> {
    const result = await this.redemptions.redeem({ actor, ip: req.ip }, key, dto);
    res.status(201);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Post('redemptions/:id/cancel')
  @HttpCode(200)
  @Roles('ASSOCIATION', 'ADMIN')
  @ApiOperation({
    summary: 'Cancel a redemption within the allowed delay; its cheques can be redeemed again',
  })
  @ApiOkResponse({ type: RedemptionDto })
  @ApiProblems(400, 404, 409)
  cancel(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: CancelRedemptionDto,
  ): Promise<RedemptionDto> {
    return this.redemptions.cancel(actor, id, dto);
  }

  @Get('redemptions')
  @Roles('ASSOCIATION', 'ADMIN')
  @ApiOperation({
    summary:
      'Redemptions with totals: an association sees its own, administrators all (filter by association)',
  })
  @ApiOkResponse({ type: RedemptionPageDto })
  @ApiProblems(400)
  list(
    @CurrentUser() actor: Actor,
    @Query() query: RedemptionQueryDto,
  ): Promise<RedemptionPageDto> {
    return this.redemptions.list(actor, query);
  }

  @Get('redemptions/export.csv')
  @Roles('ASSOCIATION', 'ADMIN')
  @ApiOperation({ summary: 'The same list as CSV, one line per cheque' })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV (UTF-8 with BOM, `;`, decimal comma)',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiProblems(400)
  exportCsv(
    @CurrentUser() actor: Actor,
    @Query() query: RedemptionQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.exports.writeCsv(actor, query, out, ready),
    );
  }
}

@ApiTags('public')
@Controller('api/public/cheques')
export class PublicChequesController {
  constructor(private readonly checker: ChequeCheckService) {}

  @Get(':code')
  @Public()
  @ApiOperation({
    summary:
      'Is this cheque still valid? (no authentication, rate limited per IP; nothing about people)',
  })
  @ApiParam(CODE_PARAM)
  @ApiOkResponse({ type: PublicChequeDto })
  @ApiProblems(400, 404, 422, 429)
  check(@Param('code') code: string, @Req() req: Request): Promise<PublicChequeDto> {
    return this.checker.publicCheck(code, req.ip);
  }
}
