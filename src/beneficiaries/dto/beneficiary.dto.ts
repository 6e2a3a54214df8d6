import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import {
  AGE_BANDS,
  AgeBand,
  Beneficiary,
  NEED_CATEGORIES,
  NeedCategory,
} from '../beneficiary.entity';

export class BeneficiaryInputDto {
  @ApiPropertyOptional({
    description: 'Pseudonymous reference (generated when absent)',
    example: 'CCAS-2026-0042',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{3,40}$/, {
    message: 'reference must be 3 to 40 letters, digits, dots, dashes or underscores',
  })
  reference?: string;

  @ApiProperty({ example: '31100' })
  @Matches(/^\d{5}$/, { message: 'postalCode must be 5 digits' })
  postalCode!: string;

  @ApiPropertyOptional({ enum: AGE_BANDS })
  @IsOptional()
  @IsIn(AGE_BANDS)
  ageBand?: AgeBand;

  @ApiPropertyOptional({ enum: NEED_CATEGORIES })
  @IsOptional()
  @IsIn(NEED_CATEGORIES)
  needCategory?: NeedCategory;

  @ApiPropertyOptional({ description: 'Only when the programme allows names' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  firstName?: string;

  @ApiPropertyOptional({ description: 'Only when the programme allows names' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  lastName?: string;
}

export class BeneficiaryDto {
  @ApiProperty() reference!: string;
  @ApiProperty() postalCode!: string;
  @ApiPropertyOptional({ enum: AGE_BANDS, nullable: true }) ageBand!: AgeBand | null;
  @ApiPropertyOptional({ enum: NEED_CATEGORIES, nullable: true })
  needCategory!: NeedCategory | null;
  @ApiPropertyOptional({ type: String, nullable: true }) firstName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastName!: string | null;

  static from(b: Beneficiary): BeneficiaryDto {
    return {
      reference: b.reference,
      postalCode: b.postalCode,
      ageBand: b.ageBand,
      needCategory: b.needCategory,
      firstName: b.firstName,
      lastName: b.lastName,
    };
  }
}
