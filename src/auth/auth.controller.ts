import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ApiProblems } from '../common/http/api-problems';
import { UserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import { clearSessionCookie, setSessionCookie } from './session-cookie';
import { LoginDto, LoginResponseDto } from './dto/login.dto';
import { RetryAfterThrottlerGuard } from './login-throttler.guard';
import { Actor, ROLES } from '../common/access/role';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @UseGuards(RetryAfterThrottlerGuard)
  @ApiOperation({
    summary: 'Log in: returns a bearer token and sets the HttpOnly session cookie',
    description: 'Rate limited per IP and per e-mail address; failures are audited.',
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
