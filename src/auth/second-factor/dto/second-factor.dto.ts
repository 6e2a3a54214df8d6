import { ApiProperty } from '@nestjs/swagger';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { SECRET_KEY_SHAPE } from '../../../common/secret-keys';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** The key of a sign-in halfway, as POST /api/auth/login returned it. */
export class ChallengeDto {
  @ApiProperty({ description: 'The `challenge` of the login answer (valid 5 min, 15 to set up)' })
  @IsString()
  @Matches(SECRET_KEY_SHAPE, { message: 'challenge must be the key the login answer gave' })
  challenge!: string;
}

/** A code: six digits from the authenticator app, or a recovery code. */
export class CodeDto {
  @ApiProperty({
    description: 'Six digits from the app (spaces allowed), or a recovery code ABCD-EFGH-JKMN-PQRS',
    example: '123456',
  })
  @IsString()
  @MinLength(6)
  @MaxLength(40)
  code!: string;
}

const SETUP_DESCRIPTION =
  'The `setup` of the set-up answer, sent back with the first code of that app (valid 15 min during a sign-in, 30 min signed in)';

export class SecondStepDto extends ChallengeDto {
  @ApiProperty({
    description:
      'Six digits from the app, or a recovery code; to set up: the first code of the new app',
    example: '123456',
  })
  @IsString()
  @MinLength(6)
  @MaxLength(40)
  code!: string;

  @ApiPropertyOptional({
    description: `To set up (SECOND_FACTOR_SETUP_REQUIRED): ${SETUP_DESCRIPTION}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(400)
  setup?: string;
}

/** The first code of an app being set up, with its set-up. */
export class ConfirmSetupDto extends CodeDto {
  @ApiProperty({ description: SETUP_DESCRIPTION })
  @IsString()
  @MaxLength(400)
  setup!: string;
}

/** An authenticator app to add: scan `otpauthUri` as a QR code, or type `secret`. */
export class SetupDto {
  @ApiProperty({ description: 'The secret in base32, to type in the app by hand' })
  secret!: string;
  @ApiProperty({ description: 'otpauth://totp/… (RFC 6238, SHA-1, 6 digits, 30 s)' })
  otpauthUri!: string;
  @ApiProperty({
    description:
      'This set-up, sealed: send it back with the first code. Nothing is stored before: another sign-in never sees this secret.',
  })
  setup!: string;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Ten codes of one use each, shown this once (only their hashes are kept)',
  })
  recoveryCodes!: string[];
}

export class SecondFactorStatusDto {
  @ApiProperty() enrolled!: boolean;
  @ApiProperty({ description: 'Mandatory for this account (administrators)' }) required!: boolean;
  @ApiProperty() recoveryCodesLeft!: number;
}

export class SecondFactorResetDto {
  @ApiProperty({
    enum: ['RESET', 'AWAITS_SECOND_ADMIN'],
    description:
      'RESET: done, the sessions ended; AWAITS_SECOND_ADMIN: another administrator’s, applied when a second administrator confirms it',
  })
  status!: 'RESET' | 'AWAITS_SECOND_ADMIN';
}
