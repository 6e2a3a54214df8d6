import { Body, Controller, Get, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import {
  CreateProgrammeDto,
  ExtendProgrammeDto,
  ProgrammeDto,
  ProgrammeExtensionDto,
  UpdateProgrammeDto,
} from './dto/programme.dto';
import { ProgrammesService } from './programmes.service';

@ApiTags('programmes')
@Controller('api/programmes')
export class ProgrammesController {
  constructor(private readonly programmes: ProgrammesService) {}

  @Post()
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Create a programme (dispositif)' })
  @ApiCreatedResponse({ type: ProgrammeDto })
  @ApiProblems(400)
  create(@CurrentUser() actor: Actor, @Body() dto: CreateProgrammeDto): Promise<ProgrammeDto> {
    return this.programmes.create(actor, dto);
  }

  @Get()
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({ summary: 'List programmes with budget, committed and remaining amounts' })
  @ApiOkResponse({ type: [ProgrammeDto] })
  list(): Promise<ProgrammeDto[]> {
    return this.programmes.list();
  }

  @Get(':id')
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({ summary: 'One programme with budget, committed and remaining amounts' })
  @ApiOkResponse({ type: ProgrammeDto })
  @ApiProblems(400, 404)
  get(@UuidParam() id: string): Promise<ProgrammeDto> {
    return this.programmes.get(id);
  }

  @Post(':id/extension')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Extend a programme whose dates are printed on booklets: a later expiry and/or claim deadline, audited with its reason',
  })
  @ApiCreatedResponse({ type: ProgrammeExtensionDto })
  @ApiProblems(400, 404)
  extend(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: ExtendProgrammeDto,
  ): Promise<ProgrammeExtensionDto> {
    return this.programmes.extend(actor, id, dto);
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Change a programme; face value, cheques per booklet and the dates (validity, expiry, claim deadline) are frozen once a booklet exists — the dates are printed on it; see extension',
  })
  @ApiOkResponse({ type: ProgrammeDto })
  @ApiProblems(400, 404, 409)
  update(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: UpdateProgrammeDto,
  ): Promise<ProgrammeDto> {
    return this.programmes.update(actor, id, dto);
  }
}
