import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/access/decorators';
import { ApiProblems } from '../common/http/api-problems';
import { streamDownload } from '../common/http/streaming';
import { StatsService } from '../stats/stats.service';
import { OpenDataService } from './open-data.service';

const CSV = { 'text/csv': { schema: { type: 'string' } } };

@ApiTags('public')
@Controller('api/public/open-data')
export class OpenDataController {
  constructor(
    private readonly openData: OpenDataService,
    private readonly stats: StatsService,
  ) {}

  @Get('lieux.json')
  @Public()
  @ApiOperation({
    summary:
      'Accredited associations as lieux de médiation numérique (La MedNum / ANCT data standard), SIRET as pivot',
    description:
      'Built and validated with @gouvfr-anct/lieux-de-mediation-numerique. Licence Ouverte 2.0.',
  })
  @ApiOkResponse({
    description: 'Records of the standard (schema « lieux de médiation numérique »)',
    schema: { type: 'array', items: { type: 'object', additionalProperties: true } },
  })
  @ApiProblems()
  async lieuxJson() {
    return (await this.openData.lieux()).lieux;
  }

  @Get('lieux.csv')
  @Public()
  @ApiOperation({ summary: 'The same records as CSV (the standard’s columns, comma-separated)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV (UTF-8)', content: CSV })
  @ApiProblems()
  lieuxCsv(@Res() res: Response): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.openData.writeLieuxCsv(out, ready),
    );
  }

  @Get('usage.csv')
  @Public()
  @ApiOperation({
    summary:
      'Monthly anonymised usage per commune of the association and activity (cells of fewer than 5 beneficiaries shown as "< 5")',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV (UTF-8 with BOM, `;`, decimal comma)', content: CSV })
  @ApiProblems()
  usageCsv(@Res() res: Response): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.stats.writeOpenUsageCsv(out, ready),
    );
  }
}
