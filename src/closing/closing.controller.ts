import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { streamDownload } from '../common/http/streaming';
import { UuidParam } from '../common/http/uuid-param';
import { ClosingService } from './closing.service';
import { ClosingDto } from './dto/closing.dto';

@ApiTags('programmes')
@Controller('api/programmes')
export class ClosingController {
  constructor(private readonly closing: ClosingService) {}

  @Get(':id/closing')
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({
    summary: 'Whether the programme can be closed, why not, and its closing figures to the cent',
  })
  @ApiOkResponse({ type: ClosingDto })
  @ApiProblems(400, 404)
  preview(@UuidParam() id: string): Promise<ClosingDto> {
    return this.closing.preview(id);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Close the programme after its claim deadline, nothing pending: the unspent budget is released, nothing of it changes any more',
  })
  @ApiOkResponse({ type: ClosingDto })
  @ApiProblems(400, 404, 409)
  close(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<ClosingDto> {
    return this.closing.close(actor, id);
  }

  @Get(':id/closing-report.csv')
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({ summary: 'The closing report (CSV, UTF-8 with BOM, `;`)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiProblems(400, 404, 409)
  csv(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'text/csv; charset=utf-8', (out, ready) =>
      this.closing.writeReport(id, 'csv', out, ready),
    );
  }

  @Get(':id/closing-report.pdf')
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({ summary: 'The closing report (PDF, one page)' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems(400, 404, 409)
  pdf(@UuidParam() id: string, @Res() res: Response): Promise<void> {
    return streamDownload(res, 'application/pdf', (out, ready) =>
      this.closing.writeReport(id, 'pdf', out, ready),
    );
  }
}
