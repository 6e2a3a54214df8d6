import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../../common/access/decorators';
import { Actor, ROLES } from '../../common/access/role';
import { ApiProblems } from '../../common/http/api-problems';
import { UuidParam } from '../../common/http/uuid-param';
import {
  CodeDto,
  ConfirmSetupDto,
  RecoveryCodesDto,
  SecondFactorResetDto,
  SecondFactorStatusDto,
  SetupDto,
} from './dto/second-factor.dto';
import { SecondFactorService } from './second-factor.service';

/** One's own second factor (an authenticator app), and an administrator's reset of another's. */
@ApiTags('auth')
@Controller('api')
export class SecondFactorController {
  constructor(private readonly secondFactor: SecondFactorService) {}

  @Get('auth/second-factor')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Whether this account has an authenticator app, and must have one' })
  @ApiOkResponse({ type: SecondFactorStatusDto })
  status(@CurrentUser() actor: Actor): Promise<SecondFactorStatusDto> {
    return this.secondFactor.status(actor);
  }

  @Post('auth/second-factor/setup')
  @Roles(...ROLES)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Begin adding an authenticator app: its secret, otpauth URI and sealed set-up',
    description:
      'Nothing is stored until POST /api/auth/second-factor/confirm brings the first code with `setup` (valid 30 min).',
  })
  @ApiOkResponse({ type: SetupDto })
  @ApiProblems(409)
  async setup(@CurrentUser() actor: Actor): Promise<SetupDto> {
    const setup = await this.secondFactor.startSetup(actor);
    return { secret: setup.secret, otpauthUri: setup.uri, setup: setup.token };
  }

  @Post('auth/second-factor/confirm')
  @Roles(...ROLES)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm the app with its first code: the ten recovery codes, shown this once',
  })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiProblems(400, 401, 409, 429)
  async confirm(
    @CurrentUser() actor: Actor,
    @Body() dto: ConfirmSetupDto,
  ): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.secondFactor.confirmSetup(actor, dto.code, dto.setup) };
  }

  @Post('auth/second-factor/recovery-codes')
  @Roles(...ROLES)
  @HttpCode(200)
  @ApiOperation({ summary: 'New recovery codes, given a current code; the old ones end' })
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiProblems(400, 401, 409, 429)
  async renew(@CurrentUser() actor: Actor, @Body() dto: CodeDto): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.secondFactor.renewRecoveryCodes(actor, dto.code) };
  }

  @Post('auth/second-factor/remove')
  @Roles(...ROLES)
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove one’s authenticator app, given a current code (not for administrators)',
  })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 409, 429)
  async remove(@CurrentUser() actor: Actor, @Body() dto: CodeDto): Promise<void> {
    await this.secondFactor.remove(actor, dto.code);
  }

  @Post('users/:id/second-factor/reset')
  @Roles('ADMIN')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End another person’s authenticator app (lost with its recovery codes)',
    description:
      'Their sessions end; an administrator sets a new app up at the next sign-in. Not for one’s own account. Another administrator’s app: the reset waits for a second administrator (POST /api/users/{id}/change/confirm), `status` AWAITS_SECOND_ADMIN.',
  })
  @ApiOkResponse({ type: SecondFactorResetDto })
  @ApiProblems(400, 404, 409)
  async reset(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<SecondFactorResetDto> {
    const done = await this.secondFactor.reset(actor, id);
    return { status: done === 'DONE' ? 'RESET' : 'AWAITS_SECOND_ADMIN' };
  }
}
