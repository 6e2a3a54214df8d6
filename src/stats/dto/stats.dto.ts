import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { AGE_BANDS, NEED_CATEGORIES } from '../../beneficiaries/beneficiary.entity';
import type { AgeBand, NeedCategory } from '../../beneficiaries/beneficiary.entity';
import { IsCalendarDate } from '../../common/validators';

export const INDICATORS = [
  'overview',
  'delays',
  'workshops',
  'associations',
  'communes',
  'monthly',
] as const;
export type Indicator = (typeof INDICATORS)[number];

/** What a cell shows instead of a count of fewer than 5 beneficiaries (and what it derives from). */
export const SMALL_CELL = '< 5';
export const SMALL_CELL_THRESHOLD = 5;
/**
 * What a cell shows when it is masked although it counts 5 people or more: masked beside a small
 * cell, so that the small one cannot be recovered by subtracting from a total (secondary
 * suppression).
 */
export const SUPPRESSED_CELL = 'masqué';

export class StatsQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The programme (dispositif)' })
  @IsUUID()
  programmeId!: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'Period start (booklets issued, sessions held), inclusive',
  })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Period end, inclusive' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ example: '31100', description: "Beneficiaries' postal code (commune)" })
  @IsOptional()
  @Matches(/^\d{5}$/, { message: 'postalCode must be 5 digits' })
  postalCode?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Redemptions at this association only' })
  @IsOptional()
  @IsUUID()
  associationId?: string;

  @ApiPropertyOptional({ example: 'Smartphone', description: 'Redemptions for this activity only' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  activity?: string;

  @ApiPropertyOptional({ enum: AGE_BANDS })
  @IsOptional()
  @IsIn(AGE_BANDS)
  ageBand?: AgeBand;

  @ApiPropertyOptional({ enum: NEED_CATEGORIES })
  @IsOptional()
  @IsIn(NEED_CATEGORIES)
  needCategory?: NeedCategory;
}

export class StatsColumnDto {
  @ApiProperty({ example: 'chequesRedeemed' }) key!: string;
  @ApiProperty({ example: 'Chèques encaissés' }) label!: string;
  @ApiProperty({
    enum: ['text', 'count', 'cents', 'percent', 'days', 'month'],
    description: 'cents: integer euro cents; percent: 0–100 with one decimal; days: calendar days',
  })
  kind!: string;
}

export class StatsTableDto {
  @ApiProperty({ enum: INDICATORS }) indicator!: Indicator;
  @ApiProperty({ type: StatsQueryDto }) filters!: StatsQueryDto;
  @ApiProperty({ type: [StatsColumnDto] }) columns!: StatsColumnDto[];
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: {
        oneOf: [{ type: 'number' }, { type: 'string' }, { type: 'null' }],
      },
    },
    description: `One object per row, keyed by column. In a breakdown, a cell derived from fewer than ${SMALL_CELL_THRESHOLD} beneficiaries (but at least one) is the string "${SMALL_CELL}", and enough others are "${SUPPRESSED_CELL}" that none can be recovered from the totals (secondary suppression). A programme's totals (an overview without filters on people) are never masked; 0 is 0.`,
  })
  rows!: Record<string, number | string | null>[];
  @ApiProperty({ description: 'How many cells were masked by the small-cell rule (both kinds)' })
  maskedCells!: number;
}
