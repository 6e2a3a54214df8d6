import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsCalendarDate } from '../../common/validators';
import { REDEMPTION_STATUSES, RedemptionStatus } from '../redemption.entity';

export class CreateRedemptionDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: 20,
    description: 'Printed codes or QR URLs',
    example: ['7K2M-9QXD-4TRB-WX'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  codes!: string[];

  @ApiProperty({ example: 'Smartphone' })
  @IsString()
  @MinLength(2)
  @MaxLength(120)
  activity!: string;

  @ApiProperty({
    example: '2026-03-12',
    description: 'The workshop’s date: today or up to REDEMPTION_BACKDATE_DAYS days back',
  })
  @IsCalendarDate()
  sessionDate!: string;

  @ApiPropertyOptional({
    example: 2500,
    description: 'The workshop’s price in cents, for statistics',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  workshopPriceCents?: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class CancelRedemptionDto {
  @ApiProperty({ example: 'Erreur de saisie' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class RedemptionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date', description: 'Session date from (inclusive)' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Session date to (inclusive)' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ enum: REDEMPTION_STATUSES })
  @IsOptional()
  @IsIn(REDEMPTION_STATUSES)
  status?: RedemptionStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Administrators: one association' })
  @IsOptional()
  @IsUUID()
  associationId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The redemptions gathered on one claim (to review it before submitting)',
  })
  @IsOptional()
  @IsUUID()
  claimId?: string;
}

export class RedeemedChequeDto {
  @ApiProperty({ example: '7K2M-9QXD-4TRB-WX' }) code!: string;
  @ApiProperty({ example: '31-2026-000123' }) bookletNumber!: string;
  @ApiProperty({ example: 3 }) position!: number;
  @ApiProperty({ example: 1000 }) faceValueCents!: number;
}

export class RedemptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) associationId!: string;
  @ApiProperty({ format: 'date' }) sessionDate!: string;
  @ApiProperty() activity!: string;
  @ApiPropertyOptional({ type: Number, nullable: true }) workshopPriceCents!: number | null;
  @ApiProperty({ description: 'Reimbursed amount: the cheques’ face value, in cents' })
  totalCents!: number;
  @ApiProperty({ enum: REDEMPTION_STATUSES }) status!: RedemptionStatus;
  @ApiPropertyOptional({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) cancelledAt!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) cancelReason!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-03-26',
    description:
      'The last day (Paris) on which the association can still cancel it; null when it cannot any more (cancelled, reversed, or taken by a claim)',
  })
  cancellableUntil!: string | null;
  @ApiProperty({ type: [RedeemedChequeDto] }) cheques!: RedeemedChequeDto[];
}

export class RedemptionTotalsDto {
  @ApiProperty() count!: number;
  @ApiProperty() chequeCount!: number;
  @ApiProperty() totalCents!: number;
}

export class RedemptionPageDto {
  @ApiProperty({ type: [RedemptionDto] }) items!: RedemptionDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty({ type: RedemptionTotalsDto, description: 'Over every page of the filtered list' })
  totals!: RedemptionTotalsDto;
}

export class ChequeCheckDto {
  @ApiProperty({ enum: ['REDEEMABLE'] }) status!: 'REDEEMABLE';
  @ApiProperty({ example: '7K2M-9QXD-4TRB-WX' }) code!: string;
  @ApiProperty() faceValueCents!: number;
  @ApiProperty({ format: 'date' }) expiresOn!: string;
  @ApiProperty() bookletNumber!: string;
  @ApiProperty() position!: number;
}

export const PUBLIC_CHEQUE_STATUSES = [
  'VALID',
  'USED',
  'EXPIRED',
  'CANCELLED',
  'NOT_ACTIVATED',
] as const;

export class PublicChequeDto {
  @ApiProperty({ enum: PUBLIC_CHEQUE_STATUSES }) status!: (typeof PUBLIC_CHEQUE_STATUSES)[number];
  @ApiProperty() faceValueCents!: number;
  @ApiProperty({ format: 'date' }) expiresOn!: string;
}
