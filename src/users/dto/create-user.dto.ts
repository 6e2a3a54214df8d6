import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { ROLES, Role } from '../../common/access/role';
import { IsNewPassword } from '../../common/password-policy';

export class CreateUserDto {
  @ApiProperty({ example: 'agent@departement.fr' })
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  @IsNewPassword()
  password!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Required for role ASSOCIATION, refused otherwise',
  })
  @ValidateIf((o: CreateUserDto) => o.role === 'ASSOCIATION' || o.associationId !== undefined)
  @IsUUID()
  associationId?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description:
      'Distribution sites: at least one for role PRESCRIBER (who acts only on them), allowed for AGENT, refused otherwise',
  })
  @ValidateIf((o: CreateUserDto) => o.role === 'PRESCRIBER' || o.siteIds !== undefined)
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  siteIds?: string[];

  @ApiPropertyOptional({ maxLength: 120 })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  displayName?: string;

  @ApiPropertyOptional({
    maxLength: 120,
    example: 'Directrice des finances',
    description: 'Function printed when this person certifies a statement',
  })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  jobTitle?: string;
}

/** An account created by invitation: its holder chooses the password through the e-mailed link. */
export class InviteUserDto extends OmitType(CreateUserDto, ['password'] as const) {}
