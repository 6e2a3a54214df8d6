import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { IsNewPassword } from '../../common/password-policy';

export class UpdateUserDto {
  @ApiPropertyOptional({ description: 'false deactivates the account and revokes its sessions' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @IsNewPassword({ optional: true, description: 'Resets the password and revokes sessions' })
  password?: string;

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

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Replaces the distribution sites of an agent or a prescriber',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  siteIds?: string[];
}
