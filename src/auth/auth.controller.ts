import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ApiProblems } from '../common/http/api-problems';
import { UserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import { clearSessionCookie, setSessionCookie } from './session-cookie';
import { LoginDto, LoginResponseDto } from './dto/login.dto';
import { AccountLinksService } from '../users/account-links.service';
import { LinkUsedDto, PasswordResetRequestDto, UseLinkDto } from './dto/password.dto';
import { Actor, ROLES } from '../common/access/role';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly links: AccountLinksService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in: returns a bearer token and sets the HttpOnly session cookie',
    description:
      'Failed attempts are limited per IP, per account from one IP and per account (the same counters as the sign-in page); failures are audited.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblems(400, 401, 429)
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto> {
    const { token, user } = await this.auth.login(dto.email, dto.password, req.ip);
    const ttl = this.auth.tokenTtlSeconds;
    setSessionCookie(res, token, ttl, this.config.get('PUBLIC_BASE_URL').startsWith('https://'));
    return { accessToken: token, tokenType: 'Bearer', expiresIn: ttl, user: UserDto.from(user) };
  }

  @Post('password-reset')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password-reset link by e-mail (valid 1 h)',
    description:
      'The same answer whether the address has an account or not. Limited per IP and per address.',
  })
  @ApiAcceptedResponse()
  @ApiProblems(400, 429)
  async requestReset(@Body() dto: PasswordResetRequestDto, @Req() req: Request): Promise<void> {
    await this.links.requestReset(dto.email, req.ip);
  }

  @Post('links/use')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Choose a password with an invitation or reset link; every session of the account ends',
  })
  @ApiOkResponse({ type: LinkUsedDto })
  @ApiProblems(400, 410)
  async useLink(@Body() dto: UseLinkDto): Promise<LinkUsedDto> {
    const used = await this.links.use(dto.token, dto.password);
    return {
      purpose: used.purpose,
      email: used.email,
      awaitsConfirmation: used.awaitsConfirmation,
    };
  }

  @Post('logout')
  @HttpCode(204)
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Log out: revokes every token of this user and clears the cookie' })
  @ApiNoContentResponse()
  async logout(
    @CurrentUser() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logout(actor);
    clearSessionCookie(res);
  }

  @Get('me')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() actor: Actor): Promise<UserDto> {
    return this.users.get(actor.id);
  }
}
