import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { ROLES, Role } from '../../common/access/role';

export const PASSWORD_MIN = 12;

export class CreateUserDto {
  @ApiProperty({ example: 'agent@departement.fr' })
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: 128 })
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(128)
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
