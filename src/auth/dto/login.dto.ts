import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto';

export class LoginDto {
  @ApiProperty({ example: 'agent@departement.fr' })
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

export const LOGIN_STATUSES = [
  'SIGNED_IN',
  'SECOND_FACTOR_REQUIRED',
  'SECOND_FACTOR_SETUP_REQUIRED',
] as const;

/**
 * Signed in (a token), or a second step to make first: a code of the account's app
 * (SECOND_FACTOR_REQUIRED), or, for an administrator without one, an app to set up
 * (SECOND_FACTOR_SETUP_REQUIRED), both through POST /api/auth/login/second-factor with `challenge`.
 */
export class LoginResponseDto {
  @ApiProperty({ enum: LOGIN_STATUSES }) status!: (typeof LOGIN_STATUSES)[number];
  @ApiPropertyOptional({ description: 'JWT to send as `Authorization: Bearer …` (SIGNED_IN)' })
  accessToken?: string;
  @ApiPropertyOptional({ example: 'Bearer' }) tokenType?: 'Bearer';
  @ApiPropertyOptional({ description: 'Lifetime of the token in seconds', example: 28800 })
  expiresIn?: number;
  @ApiPropertyOptional({ type: UserDto }) user?: UserDto;
  @ApiPropertyOptional({ description: 'Key of the second step (not SIGNED_IN)' })
  challenge?: string;
  @ApiPropertyOptional({ description: 'Seconds left to make the second step', example: 300 })
  challengeExpiresIn?: number;
}

/** The second step's answer: signed in, with what the second step adds. */
export class SecondStepResponseDto extends LoginResponseDto {
  @ApiPropertyOptional({ type: [String], description: 'After a set-up: shown this once' })
  recoveryCodes?: string[];
  @ApiPropertyOptional({ description: 'After a recovery code was used: how many remain' })
  recoveryCodesLeft?: number;
}
