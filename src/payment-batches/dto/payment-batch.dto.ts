import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { STATEMENT_STATUSES, StatementStatus } from '../../statements/statement.entity';
import { PAYMENT_BATCH_STATUSES, PaymentBatchStatus } from '../payment-batch.entity';

export class PreparePaymentBatchDto {
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description:
      'The statements to pay; without it, every approved statement with a positive total that is in no batch',
  })
  @ValidateIf((o: PreparePaymentBatchDto) => o.statementIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @IsUUID('all', { each: true })
  statementIds?: string[];
}

export class CancelPaymentBatchDto {
  @ApiProperty({ minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class PaymentBatchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PAYMENT_BATCH_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_BATCH_STATUSES)
  status?: PaymentBatchStatus;
}

export class PaymentBatchStatementDto {
  @ApiProperty({ format: 'uuid' }) statementId!: string;
  @ApiProperty({ example: 'ER-2026-00042' }) number!: string;
  @ApiProperty({ enum: STATEMENT_STATUSES }) status!: StatementStatus;
  @ApiProperty() associationName!: string;
  @ApiProperty() amountCents!: number;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) paidOn!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) mandateNumber!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) paymentReference!: string | null;
  @ApiProperty({
    description:
      "The association's bank details were changed less than 30 days before the statement's approval: check them against the bank-details document before paying",
  })
  bankDetailsRecentlyChanged!: boolean;
}

export class PaymentResultsQueryDto {
  @ApiPropertyOptional({
    description: 'true: check the file and show what it would do, recording nothing',
    default: false,
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  dryRun?: 'true' | 'false';
}

export const PAYMENT_RESULT_OUTCOMES = ['PAID', 'UNCHANGED', 'REFUSED'] as const;
export type PaymentResultOutcome = (typeof PAYMENT_RESULT_OUTCOMES)[number];

export class PaymentResultLineDto {
  @ApiProperty({ description: 'Line number in the file (the header is line 1)' }) line!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) statementNumber!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) mandateNumber!: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) amountCents!: number | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) paidOn!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) paymentReference!: string | null;
  @ApiProperty({
    enum: PAYMENT_RESULT_OUTCOMES,
    description:
      'PAID: recorded now (or would be, in a dry run); UNCHANGED: already recorded the same way; REFUSED: see reason',
  })
  outcome!: PaymentResultOutcome;
  @ApiPropertyOptional({ type: String, nullable: true }) reason!: string | null;
}

export class PaymentResultsDto {
  @ApiProperty() batchNumber!: string;
  @ApiProperty({ description: 'SHA-256 of the file as received' }) fileSha256!: string;
  @ApiProperty({ description: 'false for a dry run: nothing was recorded' }) applied!: boolean;
  @ApiProperty() paidCount!: number;
  @ApiProperty() unchangedCount!: number;
  @ApiProperty({ type: [PaymentResultLineDto] }) lines!: PaymentResultLineDto[];
}

export const PAYMENT_BATCH_ACTIONS = [
  'APPROVE',
  'CANCEL',
  'DOWNLOAD',
  'MARK_SENT',
  'IMPORT_RESULTS',
] as const;
export type PaymentBatchAction = (typeof PAYMENT_BATCH_ACTIONS)[number];

export class PaymentBatchDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: PAYMENT_BATCH_ACTIONS,
    isArray: true,
    description: 'What the caller may do with the batch now',
  })
  actions!: PaymentBatchAction[];
  @ApiProperty({ example: 'BP-2026-0007', description: 'Also the SEPA message id' })
  number!: string;
  @ApiProperty({ enum: PAYMENT_BATCH_STATUSES }) status!: PaymentBatchStatus;
  @ApiProperty() transferCount!: number;
  @ApiProperty() totalCents!: number;
  @ApiProperty({ format: 'uuid' }) preparedBy!: string;
  @ApiProperty({ format: 'date-time' }) preparedAt!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) approvedBy!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) approvedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) executionDate!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) cancelReason!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) sentAt!:
    string | null;
  @ApiProperty({ description: 'How many of its statements are paid' }) paidCount!: number;
}

export class PaymentBatchDetailDto extends PaymentBatchDto {
  @ApiProperty({ type: [PaymentBatchStatementDto] }) statements!: PaymentBatchStatementDto[];
}
