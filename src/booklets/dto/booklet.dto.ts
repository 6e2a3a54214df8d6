import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { BeneficiaryDto, BeneficiaryInputDto } from '../../beneficiaries/dto/beneficiary.dto';
import { PageQueryDto } from '../../common/pagination';
import {
  BOOKLET_STATUSES,
  BookletStatus,
  CANCEL_REASONS,
  CancelReason,
  TRANSFER_STATUSES,
  TransferStatus,
} from '../booklet.entity';

export class IssueBookletDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  programmeId!: string;

  @ApiPropertyOptional({ type: BeneficiaryInputDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BeneficiaryInputDto)
  beneficiary?: BeneficiaryInputDto;
}

export const MAX_BATCH = 10_000;

export class CreateBatchDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  programmeId!: string;

  @ApiProperty({ minimum: 1, maximum: MAX_BATCH, example: 200 })
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH)
  count!: number;

  @ApiProperty({
    format: 'uuid',
    description: 'The distribution site where the booklets are kept until handed over',
  })
  @IsUUID()
  siteId!: string;
}

export class CancelBookletDto {
  @ApiProperty({ enum: CANCEL_REASONS })
  @IsIn(CANCEL_REASONS)
  reason!: CancelReason;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  comment?: string;

  @ApiProperty({ description: 'Issue a new booklet holding as many cheques as were unredeemed' })
  @IsBoolean()
  replace!: boolean;
}

export class BookletQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ enum: BOOKLET_STATUSES })
  @IsOptional()
  @IsIn(BOOKLET_STATUSES)
  status?: BookletStatus;

  @ApiPropertyOptional({ format: 'uuid', description: 'Booklets kept or handed out at this site' })
  @IsOptional()
  @IsUUID()
  siteId?: string;

  @ApiPropertyOptional({ example: '31-2026-000123' })
  @IsOptional()
  @Matches(/^[0-9AB]{2,3}-\d{4}-\d{6}$/, { message: 'number must look like 31-2026-000123' })
  number?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  beneficiaryReference?: string;

  @ApiPropertyOptional({
    description:
      "Start of the beneficiary's last or first name, any case (programmes that collect names)",
  })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  beneficiaryName?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  batchId?: string;
}

export const CHEQUE_DISPLAY_STATUSES = [
  'ISSUED',
  'REDEEMED',
  'CANCELLED',
  'EXPIRED',
  'NOT_ACTIVATED',
] as const;
export type ChequeDisplayStatus = (typeof CHEQUE_DISPLAY_STATUSES)[number];

export class ChequeDto {
  @ApiProperty({ example: 1 }) position!: number;
  @ApiProperty({ example: '7K2M-9QXD-4TRB-WX' }) code!: string;
  @ApiProperty({ example: 1000 }) faceValueCents!: number;
  @ApiProperty({
    enum: CHEQUE_DISPLAY_STATUSES,
    description:
      'EXPIRED: still ISSUED past the expiry date (Europe/Paris); NOT_ACTIVATED: its booklet is still in stock',
  })
  status!: ChequeDisplayStatus;
}

export class BookletSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '31-2026-000123' }) number!: string;
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty({
    enum: BOOKLET_STATUSES,
    description:
      'IN_STOCK: kept at a distribution site, its cheques not yet redeemable; ACTIVE: handed over',
  })
  status!: BookletStatus;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) siteId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) siteName!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The transfer carrying it, until received',
  })
  transferId!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) handedOverAt!:
    string | null;
  @ApiProperty() chequeCount!: number;
  @ApiProperty() faceValueCents!: number;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) batchId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) beneficiaryReference!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'First and last name, when the programme collects them',
  })
  beneficiaryName!: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) replacesBookletId!:
    string | null;
}

export class BookletDto extends BookletSummaryDto {
  @ApiPropertyOptional({ type: BeneficiaryDto, nullable: true })
  beneficiary!: BeneficiaryDto | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) replacedByBookletId!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) replacedByBookletNumber!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) replacesBookletNumber!: string | null;
  @ApiPropertyOptional({ enum: CANCEL_REASONS, nullable: true }) cancelReason!: CancelReason | null;
  @ApiPropertyOptional({ type: String, nullable: true }) cancelComment!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) cancelledAt!:
    string | null;
  @ApiProperty({ type: [ChequeDto] }) cheques!: ChequeDto[];
  @ApiProperty({ description: "The booklet's page, printed as its cover QR code (/carnet/…)" })
  coverUrl!: string;
}

export class CancelResultDto {
  @ApiProperty({ type: BookletDto }) cancelled!: BookletDto;
  @ApiProperty({ description: 'Cheques cancelled (the unredeemed ones)' })
  cancelledCheques!: number;
  @ApiPropertyOptional({ type: BookletDto, nullable: true }) replacement!: BookletDto | null;
}

export class PrintBatchDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty() bookletCount!: number;
  @ApiProperty({ format: 'uuid' }) siteId!: string;
  @ApiProperty({ description: "The site's name" }) distributionSite!: string;
  @ApiProperty({ example: '31-2026-000124' }) firstNumber!: string;
  @ApiProperty({ example: '31-2026-000323' }) lastNumber!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CoverQueryDto {
  @ApiProperty({ description: 'The scanned cover URL (…/carnet/<token>) or the token' })
  @IsString()
  @MinLength(10)
  @MaxLength(300)
  cover!: string;
}

export class HandoverDto {
  @ApiProperty({
    type: BeneficiaryInputDto,
    description: 'The least the programme asks: postal code; reference, age band, need optional',
  })
  @ValidateNested()
  @Type(() => BeneficiaryInputDto)
  beneficiary!: BeneficiaryInputDto;
}

export class HandoverResultDto {
  @ApiProperty({ type: BookletDto }) booklet!: BookletDto;
  @ApiProperty({ description: 'The covering letter to print for the beneficiary (PDF)' })
  letterUrl!: string;
}

/** Booklet numbers: a range (first..last) or a single number (first alone). */
export class NumberRangeDto {
  @ApiProperty({ example: '31-2026-000101' })
  @Matches(/^[0-9AB]{2,3}-\d{4}-\d{6}$/, { message: 'first must look like 31-2026-000123' })
  first!: string;

  @ApiPropertyOptional({ example: '31-2026-000150', description: 'Omitted: the first one alone' })
  @IsOptional()
  @Matches(/^[0-9AB]{2,3}-\d{4}-\d{6}$/, { message: 'last must look like 31-2026-000123' })
  last?: string;
}

export class CreateTransferDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() fromSiteId!: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() toSiteId!: string;

  @ApiProperty({ type: [NumberRangeDto], description: 'Booklets in stock at the sending site' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => NumberRangeDto)
  ranges!: NumberRangeDto[];
}

export class TransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) fromSiteId!: string;
  @ApiProperty() fromSiteName!: string;
  @ApiProperty({ format: 'uuid' }) toSiteId!: string;
  @ApiProperty() toSiteName!: string;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status!: TransferStatus;
  @ApiProperty() bookletCount!: number;
  @ApiProperty({ example: '31-2026-000101 à 31-2026-000150' }) numbers!: string;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) receivedAt!:
    string | null;
  @ApiProperty({ description: 'Whether the caller may record its receipt' }) canReceive!: boolean;
}

export class TransferQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TRANSFER_STATUSES })
  @IsOptional()
  @IsIn(TRANSFER_STATUSES)
  status?: TransferStatus;
}

export const LOSS_REASONS = ['LOST', 'STOLEN', 'DAMAGED', 'OTHER'] as const;

export class ReportLossDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() siteId!: string;

  @ApiProperty({ type: NumberRangeDto })
  @ValidateNested()
  @Type(() => NumberRangeDto)
  range!: NumberRangeDto;

  @ApiProperty({ enum: LOSS_REASONS })
  @IsIn(LOSS_REASONS)
  reason!: CancelReason;

  @ApiProperty({
    maxLength: 500,
    example: 'Carton volé lors du cambriolage du 3 mars (plainte n° …)',
  })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  comment!: string;
}

export class LossResultDto {
  @ApiProperty() cancelledBooklets!: number;
  @ApiProperty() cancelledCheques!: number;
  @ApiProperty({ description: 'Value given back to the budgets, in cents' }) releasedCents!: number;
  @ApiProperty({ example: '31-2026-000101 à 31-2026-000150' }) numbers!: string;
}

export class StockRowDto {
  @ApiProperty({ format: 'uuid' }) siteId!: string;
  @ApiProperty() siteName!: string;
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty() programmeName!: string;
  @ApiProperty({ description: 'Booklets kept at the site, not in transit' }) inStock!: number;
  @ApiProperty({ description: 'Booklets sent from the site, not yet received' }) inTransit!: number;
  @ApiProperty() handedOut!: number;
  @ApiProperty({ description: 'Handed out, with at least one cheque redeemed' }) started!: number;
  @ApiProperty() cancelled!: number;
  @ApiProperty({ description: 'In stock for more than the ageing threshold' }) aged!: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Days in stock of the oldest' })
  oldestDays!: number | null;
}

export class StockDto {
  @ApiProperty({ description: 'Days after which a booklet in stock counts as aged' })
  ageingDays!: number;
  @ApiProperty({ type: [StockRowDto] }) rows!: StockRowDto[];
}
