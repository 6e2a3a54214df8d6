import { Body, Controller, Get, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import { CreateSiteDto, SiteDto, UpdateSiteDto } from './dto/site.dto';
import { SitesService } from './sites.service';

@ApiTags('distribution sites')
@Controller('api/distribution-sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Create a distribution site (lieu de remise)' })
  @ApiCreatedResponse({ type: SiteDto })
  @ApiProblems(400, 409)
  create(@CurrentUser() actor: Actor, @Body() dto: CreateSiteDto): Promise<SiteDto> {
    return this.sites.create(actor, dto);
  }

  @Get()
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({ summary: 'Distribution sites by name (a prescriber sees their own)' })
  @ApiOkResponse({ type: [SiteDto] })
  list(@CurrentUser() actor: Actor): Promise<SiteDto[]> {
    return this.sites.list(actor);
  }

  @Get(':id')
  @Roles('ADMIN', 'AGENT', 'PRESCRIBER')
  @ApiOperation({ summary: 'One distribution site' })
  @ApiOkResponse({ type: SiteDto })
  @ApiProblems(400, 404)
  async get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<SiteDto> {
    return SiteDto.from(await this.sites.get(actor, id));
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Correct or close a distribution site' })
  @ApiOkResponse({ type: SiteDto })
  @ApiProblems(400, 404, 409)
  update(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: UpdateSiteDto,
  ): Promise<SiteDto> {
    return this.sites.update(actor, id, dto);
  }
}
