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
import { AuthService, SignIn } from './auth.service';
import { SecondFactorService } from './second-factor/second-factor.service';
import { ChallengeDto, SecondStepDto, SetupDto } from './second-factor/dto/second-factor.dto';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import { clearSessionCookie, setSessionCookie } from './session-cookie';
import { LoginDto, LoginResponseDto, SecondStepResponseDto } from './dto/login.dto';
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
    private readonly secondFactor: SecondFactorService,
  ) {}

  /** A session's token in the cookie and the answer, or the second step still to make. */
  private answer(res: Response, signIn: SignIn): SecondStepResponseDto {
    if (signIn.kind === 'challenge')
      return {
        status:
          signIn.purpose === 'ENROL' ? 'SECOND_FACTOR_SETUP_REQUIRED' : 'SECOND_FACTOR_REQUIRED',
        challenge: signIn.key,
        challengeExpiresIn: signIn.expiresIn,
      };
    const ttl = this.auth.tokenTtlSeconds;
    setSessionCookie(
      res,
      signIn.token,
      ttl,
      this.config.get('PUBLIC_BASE_URL').startsWith('https://'),
    );
    return {
      status: 'SIGNED_IN',
      accessToken: signIn.token,
      tokenType: 'Bearer',
      expiresIn: ttl,
      user: UserDto.from(signIn.user),
      ...(signIn.recoveryCodes ? { recoveryCodes: signIn.recoveryCodes } : {}),
      ...(signIn.recoveryCodesLeft !== undefined
        ? { recoveryCodesLeft: signIn.recoveryCodesLeft }
        : {}),
    };
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Log in: a bearer token (and the HttpOnly session cookie), or the second step to make first',
    description:
      'Failed attempts are limited per IP, per account from one IP and per account (the same counters as the sign-in page); failures are audited. An account with an authenticator app, and every administrator, gets `status` SECOND_FACTOR_REQUIRED or SECOND_FACTOR_SETUP_REQUIRED and a `challenge` instead of a token.',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblems(400, 401, 429)
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto> {
    return this.answer(res, await this.auth.login(dto.email, dto.password, req.ip));
  }

  @Post('login/second-factor/setup')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Second step, administrator without an app: the app to set up (secret, otpauth URI)',
    description:
      'For a `challenge` of status SECOND_FACTOR_SETUP_REQUIRED: a new app each time, stored only when POST /api/auth/login/second-factor brings its first code with its `setup`.',
  })
  @ApiOkResponse({ type: SetupDto })
  @ApiProblems(400, 401, 409)
  async loginSetup(@Body() dto: ChallengeDto): Promise<SetupDto> {
    const setup = await this.secondFactor.enrolment(dto.challenge);
    return { secret: setup.secret, otpauthUri: setup.uri, setup: setup.token };
  }

  @Post('login/second-factor')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Second step: a code from the app (or a recovery code), then the token',
    description:
      'Five codes per sign-in, SECOND_FACTOR_FAILURES_PER_ACCOUNT wrong ones per account and window; a code is accepted once. After a set-up, the answer carries the ten recovery codes, shown this once.',
  })
  @ApiOkResponse({ type: SecondStepResponseDto })
  @ApiProblems(400, 401, 429)
  async loginSecondStep(
    @Body() dto: SecondStepDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SecondStepResponseDto> {
    return this.answer(res, await this.auth.secondStep(dto.challenge, dto.code, dto.setup));
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
