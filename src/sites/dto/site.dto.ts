import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { SITE_KINDS, SiteKind, type DistributionSite } from '../distribution-site.entity';

export class CreateSiteDto {
  @ApiProperty({ example: 'CCAS de Muret', maxLength: 200 })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: SITE_KINDS })
  @IsIn(SITE_KINDS)
  kind!: SiteKind;

  @ApiProperty({ example: '12 place de la République', maxLength: 300 })
  @IsString()
  @MinLength(2)
  @MaxLength(300)
  address!: string;

  @ApiProperty({ example: '31600' })
  @Matches(/^[0-9]{5}$/, { message: 'postalCode must be 5 digits' })
  postalCode!: string;

  @ApiProperty({ example: 'Muret', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  city!: string;

  @ApiPropertyOptional({ example: '05 61 00 00 00', maxLength: 30 })
  @IsOptional()
  @Matches(/^[0-9 +().-]{6,30}$/, { message: 'phone must be a phone number' })
  phone?: string;
}

export class UpdateSiteDto extends PartialType(CreateSiteDto) {
  @ApiPropertyOptional({ description: 'false closes the site: no new stock, no handover' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class SiteDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: SITE_KINDS }) kind!: SiteKind;
  @ApiPropertyOptional({ type: String, nullable: true }) address!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) postalCode!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) city!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty() active!: boolean;

  static from(s: DistributionSite): SiteDto {
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      address: s.address,
      postalCode: s.postalCode,
      city: s.city,
      phone: s.phone,
      active: s.active,
    };
  }
}
