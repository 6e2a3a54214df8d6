import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/access/decorators';
import { ApiProblems } from '../common/http/api-problems';
import { Page, PageOf } from '../common/pagination';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditQueryDto, AuditVerificationDto } from './dto/audit-event.dto';

@ApiTags('audit')
@Controller('api/audit')
@Roles('ADMIN')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, newest first, with filters' })
  @ApiOkResponse({ type: PageOf(AuditEventDto) })
  @ApiProblems(400)
  list(@Query() q: AuditQueryDto): Promise<Page<AuditEventDto>> {
    return this.audit.list(q);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Verify the hash chain of the whole audit log' })
  @ApiOkResponse({ type: AuditVerificationDto })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }
}
