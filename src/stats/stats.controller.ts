import { Controller, Get, Param, ParseEnumPipe, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../common/access/decorators';
import { ValidationFailedError } from '../common/errors/common.errors';
import { ApiProblems } from '../common/http/api-problems';
import { streamDownload } from '../common/http/streaming';
import { Indicator, INDICATORS, SMALL_CELL, StatsQueryDto, StatsTableDto } from './dto/stats.dto';
import { StatsService } from './stats.service';

const IndicatorParam = () =>
  Param(
    'indicator',
    new ParseEnumPipe(Object.fromEntries(INDICATORS.map((i) => [i, i])), {
      exceptionFactory: () =>
        ValidationFailedError.field(
          'indicator',
          `indicator must be one of ${INDICATORS.join(', ')}`,
        ),
    }),
  );

const INDICATOR_DOC = {
  name: 'indicator',
  enum: INDICATORS,
  description:
    'overview: booklets, cheques and money; delays: days from issue to first and last redemption; workshops: count, cheques per workshop, coverage; associations: per association; communes: reach by beneficiaries’ postal code; monthly: time series',
};

@ApiTags('stats')
@Controller('api/stats')
@Roles('ADMIN', 'AGENT')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get(':indicator')
  @ApiOperation({
    summary: 'An impact indicator for a programme and period, with filters',
    description: `Computed in the database. Any cell derived from fewer than 5 beneficiaries is "${SMALL_CELL}".`,
  })
  @ApiParam(INDICATOR_DOC)
  @ApiOkResponse({ type: StatsTableDto })
  @ApiProblems(400, 404)
  table(@IndicatorParam() indicator: Indicator, @Query() q: StatsQueryDto): Promise<StatsTableDto> {
    return this.stats.table(indicator, q);
  }

  @Get(':indicator/export.csv')
  @ApiOperation({ summary: 'The same indicator as CSV (French headers, `;`, decimal comma)' })
  @ApiParam(INDICATOR_DOC)
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV (UTF-8 with BOM)',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiProblems(400, 404)
  csv(
    @IndicatorParam() indicator: Indicator,
    @Query() q: StatsQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.stats.writeCsv(indicator, q, out, ready),
    );
  }
}
