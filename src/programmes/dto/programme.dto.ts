import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { IsCalendarDate } from '../../common/validators';
import type { Programme } from '../programme.entity';

/** A code of the département's budget nomenclature (chapitre, article, fonction). */
const BUDGET_CODE = /^[A-Za-z0-9]{1,10}$/;

/** Largest budget accepted: 1 billion euros, in cents. */
const MAX_BUDGET_CENTS = 100_000_000_000;

export class CreateProgrammeDto {
  @ApiProperty({ example: 'Pass numérique 2026' })
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: '31', description: 'Code du département (01–95, 2A, 2B, 971–976)' })
  @Matches(/^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$/, {
    message: 'departementCode must be a French département code',
  })
  departementCode!: string;

  @ApiProperty({ example: 'Haute-Garonne' })
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  departementName!: string;

  @ApiPropertyOptional({ default: 1000, description: 'Face value of one cheque, in cents' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  faceValueCents?: number;

  @ApiPropertyOptional({ default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  chequesPerBooklet?: number;

  @ApiProperty({ example: '2026-01-01' })
  @IsCalendarDate()
  validFrom!: string;

  @ApiProperty({
    example: '2026-12-31',
    description: 'Last day a cheque can be redeemed (Europe/Paris)',
  })
  @IsCalendarDate()
  expiresOn!: string;

  @ApiProperty({ example: '2027-02-28', description: 'Last day associations can claim' })
  @IsCalendarDate()
  claimDeadline!: string;

  @ApiProperty({ example: 50_000_000, description: 'Budget in cents' })
  @IsInt()
  @Min(0)
  @Max(MAX_BUDGET_CENTS)
  budgetCents!: number;

  @ApiProperty({
    type: [String],
    example: ["Prise en main d'un ordinateur", 'Démarches administratives en ligne', 'Smartphone'],
  })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(2, { each: true })
  @MaxLength(120, { each: true })
  activities!: string[];

  @ApiPropertyOptional({
    default: false,
    description: 'Whether agents may record beneficiaries’ names',
  })
  @IsOptional()
  @IsBoolean()
  allowBeneficiaryNames?: boolean;

  @ApiPropertyOptional({
    example: '65',
    description: 'Budget imputation: chapitre (printed on statements, in mandates)',
  })
  @IsOptional()
  @Matches(BUDGET_CODE, { message: 'budgetChapter must be 1 to 10 letters or digits' })
  budgetChapter?: string;

  @ApiPropertyOptional({ example: '6574', description: 'Budget imputation: article (nature)' })
  @IsOptional()
  @Matches(BUDGET_CODE, { message: 'budgetArticle must be 1 to 10 letters or digits' })
  budgetArticle?: string;

  @ApiPropertyOptional({ example: '58', description: 'Budget imputation: fonction' })
  @IsOptional()
  @Matches(BUDGET_CODE, { message: 'budgetFunction must be 1 to 10 letters or digits' })
  budgetFunction?: string;

  @ApiPropertyOptional({ example: 'DSI-INCL', description: 'Budget imputation: service code' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, {
    message: 'budgetService must be 1 to 20 letters, digits or . _ -',
  })
  budgetService?: string;

  @ApiPropertyOptional({
    example: 'Délibération n° 2026-CP-041 de la commission permanente',
    description: 'Legal basis of the programme (deliberation or decision)',
  })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  legalBasis?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Date of the deliberation or decision' })
  @IsOptional()
  @IsCalendarDate()
  legalBasisDate?: string;
}

export class UpdateProgrammeDto extends PartialType(CreateProgrammeDto) {}

/**
 * A later expiry and/or claim deadline for a programme whose dates are printed on booklets: the
 * only way those dates change once a booklet exists. Dates only move later (holders lose nothing).
 */
export class ExtendProgrammeDto {
  @ApiPropertyOptional({ format: 'date', description: 'New expiry, not before the current one' })
  @IsOptional()
  @IsCalendarDate()
  expiresOn?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'New claim deadline, not before the current one',
  })
  @IsOptional()
  @IsCalendarDate()
  claimDeadline?: string;

  @ApiProperty({
    description: 'Why (the deliberation or decision that extends the programme)',
    maxLength: 500,
  })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class ProgrammeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() departementCode!: string;
  @ApiProperty() departementName!: string;
  @ApiProperty() faceValueCents!: number;
  @ApiProperty() chequesPerBooklet!: number;
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date' }) expiresOn!: string;
  @ApiProperty({ format: 'date' }) claimDeadline!: string;
  @ApiProperty() budgetCents!: number;
  @ApiProperty({ description: 'Issued cheques minus cheques cancelled unused, in cents' })
  committedCents!: number;
  @ApiProperty({ description: 'budgetCents − committedCents' }) remainingCents!: number;
  @ApiProperty({ type: [String] }) activities!: string[];
  @ApiProperty() allowBeneficiaryNames!: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) budgetChapter!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) budgetArticle!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) budgetFunction!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) budgetService!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) legalBasis!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) legalBasisDate!:
    string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Closed: nothing of it changes any more (see GET /api/programmes/:id/closing)',
  })
  closedAt!: string | null;

  static from(p: Programme): ProgrammeDto {
    return {
      id: p.id,
      name: p.name,
      departementCode: p.departementCode,
      departementName: p.departementName,
      faceValueCents: p.faceValueCents,
      chequesPerBooklet: p.chequesPerBooklet,
      validFrom: p.validFrom,
      expiresOn: p.expiresOn,
      claimDeadline: p.claimDeadline,
      budgetCents: p.budgetCents,
      committedCents: p.committedCents,
      remainingCents: p.budgetCents - p.committedCents,
      activities: p.activities,
      allowBeneficiaryNames: p.allowBeneficiaryNames,
      budgetChapter: p.budgetChapter ?? null,
      budgetArticle: p.budgetArticle ?? null,
      budgetFunction: p.budgetFunction ?? null,
      budgetService: p.budgetService ?? null,
      legalBasis: p.legalBasis ?? null,
      legalBasisDate: p.legalBasisDate ?? null,
      closedAt: p.closedAt?.toISOString() ?? null,
    };
  }
}

export class ProgrammeExtensionDto {
  @ApiProperty({ type: () => ProgrammeDto }) programme!: ProgrammeDto;
  @ApiProperty({ description: 'Booklets already printed with the earlier dates' })
  bookletsPrintedWithEarlierDates!: number;
  @ApiProperty({ description: 'What the extension means for the printed booklets, in French' })
  effect!: string;
}
