import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
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
import { CANCEL_REASONS, CancelReason } from '../booklet.entity';

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

  @ApiProperty({ example: 'CCAS de Toulouse — Mirail' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  distributionSite!: string;
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

export const BOOKLET_STATUSES = ['ACTIVE', 'CANCELLED'] as const;

export class BookletQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ enum: BOOKLET_STATUSES })
  @IsOptional()
  @IsIn(BOOKLET_STATUSES)
  status?: (typeof BOOKLET_STATUSES)[number];

  @ApiPropertyOptional({ example: '31-2026-000123' })
  @IsOptional()
  @Matches(/^[0-9AB]{2,3}-\d{4}-\d{6}$/, { message: 'number must look like 31-2026-000123' })
  number?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  beneficiaryReference?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  batchId?: string;
}

export const CHEQUE_DISPLAY_STATUSES = ['ISSUED', 'REDEEMED', 'CANCELLED', 'EXPIRED'] as const;
export type ChequeDisplayStatus = (typeof CHEQUE_DISPLAY_STATUSES)[number];

export class ChequeDto {
  @ApiProperty({ example: 1 }) position!: number;
  @ApiProperty({ example: '7K2M-9QXD-4TRB-WX' }) code!: string;
  @ApiProperty({ example: 1000 }) faceValueCents!: number;
  @ApiProperty({
    enum: CHEQUE_DISPLAY_STATUSES,
    description: 'EXPIRED: still ISSUED past the expiry date (Europe/Paris)',
  })
  status!: ChequeDisplayStatus;
}

export class BookletSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '31-2026-000123' }) number!: string;
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty({ enum: BOOKLET_STATUSES }) status!: (typeof BOOKLET_STATUSES)[number];
  @ApiProperty() chequeCount!: number;
  @ApiProperty() faceValueCents!: number;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) batchId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) beneficiaryReference!: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) replacesBookletId!:
    string | null;
}

export class BookletDto extends BookletSummaryDto {
  @ApiPropertyOptional({ type: BeneficiaryDto, nullable: true })
  beneficiary!: BeneficiaryDto | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) replacedByBookletId!:
    string | null;
  @ApiPropertyOptional({ enum: CANCEL_REASONS, nullable: true }) cancelReason!: CancelReason | null;
  @ApiPropertyOptional({ type: String, nullable: true }) cancelComment!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) cancelledAt!:
    string | null;
  @ApiProperty({ type: [ChequeDto] }) cheques!: ChequeDto[];
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
  @ApiProperty() distributionSite!: string;
  @ApiProperty({ example: '31-2026-000124' }) firstNumber!: string;
  @ApiProperty({ example: '31-2026-000323' }) lastNumber!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
