import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import { Page, PageOf } from '../common/pagination';
import { CreateUserDto, InviteUserDto } from './dto/create-user.dto';
import { AccountLinksService } from './account-links.service';
import { UpdateUserDto } from './dto/update-user.dto';
import { ConfirmChangeDto, UserDto } from './dto/user.dto';
import { UserQueryDto } from './dto/user-query.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('api/users')
@Roles('ADMIN')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly links: AccountLinksService,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a user (agent, administrator or association staff); a new administrator is inactive until a second administrator confirms it',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 409)
  create(@CurrentUser() actor: Actor, @Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(actor, dto);
  }

  @Post('invitations')
  @ApiOperation({
    summary:
      'Invite a user by e-mail: the account is created without a password, its holder chooses one through a single-use link valid 72 h',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 409)
  invite(@CurrentUser() actor: Actor, @Body() dto: InviteUserDto): Promise<UserDto> {
    return this.links.invite(actor, dto);
  }

  @Post(':id/invitation')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Send a new invitation to an account that has not chosen its password (the older link ends)',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404, 409)
  reinvite(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<UserDto> {
    return this.links.reinvite(actor, id);
  }

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: PageOf(UserDto) })
  @ApiProblems(400)
  list(@Query() query: UserQueryDto): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404)
  get(@UuidParam() id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Deactivate/reactivate, reset the password or rename a user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404, 422)
  update(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    return this.users.update(actor, id, dto);
  }

  @Post(':id/change/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Confirm the pending change of an account (new administrator, re-activation, password reset): by a second administrator',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 403, 404, 409)
  confirmChange(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: ConfirmChangeDto,
  ): Promise<UserDto> {
    return this.users.confirmChange(actor, id, dto.changeId);
  }

  @Post(':id/change/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw the pending change of an account; nothing is applied' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 403, 404, 409)
  cancelChange(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<UserDto> {
    return this.users.cancelChange(actor, id);
  }
}
