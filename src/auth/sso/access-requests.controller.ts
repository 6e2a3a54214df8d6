import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../../common/access/decorators';
import type { Actor } from '../../common/access/role';
import { ApiProblems } from '../../common/http/api-problems';
import type { Page } from '../../common/pagination';
import { UuidParam } from '../../common/http/uuid-param';
import {
  AccessRequestDto,
  AccessRequestPageDto,
  AccessRequestQueryDto,
  GrantAccessDto,
} from './dto/access-request.dto';
import { SsoService } from './sso.service';

/** People the OpenID provider vouched for, who have no account yet. */
@ApiTags('access-requests')
@Controller('api/access-requests')
export class AccessRequestsController {
  constructor(private readonly sso: SsoService) {}

  @Get()
  @Roles('ADMIN', 'ASSOCIATION')
  @ApiOperation({
    summary:
      'Access requests (all for administrators; those whose SIRET is its own for an association)',
  })
  @ApiOkResponse({ type: AccessRequestPageDto })
  @ApiProblems(400)
  list(
    @CurrentUser() actor: Actor,
    @Query() q: AccessRequestQueryDto,
  ): Promise<Page<AccessRequestDto>> {
    return this.sso.list(actor, q);
  }

  @Post(':id/grant')
  @Roles('ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give the person an account with this role, linked to their identity at the provider',
    description: 'A new administrator waits for a second administrator, as an invited one does.',
  })
  @ApiOkResponse({ type: AccessRequestDto })
  @ApiProblems(400, 404, 409)
  grant(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: GrantAccessDto,
  ): Promise<AccessRequestDto> {
    return this.sso.grant(actor, id, dto);
  }

  @Post(':id/confirm')
  @Roles('ASSOCIATION')
  @HttpCode(200)
  @ApiOperation({
    summary: "Confirm a colleague whose SIRET is the association's: a Structure account",
  })
  @ApiOkResponse({ type: AccessRequestDto })
  @ApiProblems(404, 409)
  confirm(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<AccessRequestDto> {
    return this.sso.confirm(actor, id);
  }

  @Post(':id/refuse')
  @Roles('ADMIN', 'ASSOCIATION')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refuse an access request' })
  @ApiOkResponse({ type: AccessRequestDto })
  @ApiProblems(404, 409)
  refuse(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<AccessRequestDto> {
    return this.sso.refuse(actor, id);
  }
}
