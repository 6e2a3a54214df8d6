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
  @ApiProperty() associationName!: string;
  @ApiProperty() amountCents!: number;
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
}

export class PaymentBatchDetailDto extends PaymentBatchDto {
  @ApiProperty({ type: [PaymentBatchStatementDto] }) statements!: PaymentBatchStatementDto[];
}
