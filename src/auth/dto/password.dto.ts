import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsNewPassword } from '../../common/password-policy';
import { ACCOUNT_LINK_PURPOSES, AccountLinkPurpose } from '../../users/account-link.entity';

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'agent@departement.fr' })
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;
}

export class UseLinkDto {
  @ApiProperty({ description: 'The secret at the end of the e-mailed link (/compte/lien/<token>)' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  token!: string;

  @IsNewPassword()
  password!: string;
}

export class LinkUsedDto {
  @ApiProperty({ enum: ACCOUNT_LINK_PURPOSES })
  @IsIn(ACCOUNT_LINK_PURPOSES)
  purpose!: AccountLinkPurpose;
  @ApiProperty() email!: string;
  @ApiProperty({
    description:
      'An invited administrator signs in once a second administrator has confirmed the account',
  })
  awaitsConfirmation!: boolean;
}
