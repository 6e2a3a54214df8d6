import { CLAIM_ACTIONS, ClaimAction, STATEMENT_ACTIONS, StatementAction } from '../statement.rules';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import {
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
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsCalendarDate } from '../../common/validators';
import { CLAIM_STATUSES, ClaimStatus } from '../claim.entity';
import { STATEMENT_STATUSES, StatementImputation, StatementStatus } from '../statement.entity';

export class CreateClaimDto {
  @ApiProperty({
    example: '2026-03-31',
    description: 'Redemptions with a session date up to this day',
  })
  @IsCalendarDate()
  upTo!: string;
}

export class RunCutOffDto {
  @ApiProperty({
    example: '2026-03-31',
    description: 'One claim per association with unclaimed redemptions up to this day',
  })
  @IsCalendarDate()
  periodEnd!: string;
}

export class ReasonDto {
  @ApiProperty({ example: 'Séances non justifiées' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class MarkPaidDto {
  @ApiProperty({ example: '2026-04-15' })
  @IsCalendarDate()
  paidOn!: string;

  @ApiProperty({
    example: 'MDT-2026-001234',
    description: 'The payment order (mandat) number from the finance software',
  })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,49}$/, {
    message: 'paymentReference must be 1 to 50 letters, digits, spaces or . / _ -',
  })
  paymentReference!: string;

  @ApiPropertyOptional({
    example: '2026-004512',
    description: "The finance software's mandate number, when it differs from the reference",
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,49}$/, {
    message: 'mandateNumber must be 1 to 50 letters, digits, spaces or . / _ -',
  })
  mandateNumber?: string;
}

export class ClaimQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CLAIM_STATUSES })
  @IsOptional()
  @IsIn(CLAIM_STATUSES)
  status?: ClaimStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  associationId?: string;
}

export class StatementQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATEMENT_STATUSES })
  @IsOptional()
  @IsIn(STATEMENT_STATUSES)
  status?: StatementStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  associationId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Statements with at least one cheque of this programme',
  })
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Issued on or after' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Issued on or before' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class ClaimDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) associationId!: string;
  @ApiProperty({ format: 'date' }) upTo!: string;
  @ApiProperty({ enum: CLAIM_STATUSES }) status!: ClaimStatus;
  @ApiProperty() redemptionCount!: number;
  @ApiProperty() totalCents!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) submittedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) rejectReason!: string | null;
  @ApiProperty({
    enum: CLAIM_ACTIONS,
    isArray: true,
    description: 'What the caller may do with the claim now',
  })
  actions!: ClaimAction[];
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) statementId!:
    string | null;
}

export class StatementLineDto {
  @ApiProperty() lineNo!: number;
  @ApiProperty({ format: 'date' }) sessionDate!: string;
  @ApiProperty() activity!: string;
  @ApiProperty() bookletNumber!: string;
  @ApiProperty() chequePosition!: number;
  @ApiProperty({ description: 'Negative for a correction' }) amountCents!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) correctsStatementNumber!: string | null;
}

export class StatementDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ER-2026-00042' }) number!: string;
  @ApiProperty({ enum: STATEMENT_STATUSES }) status!: StatementStatus;
  @ApiProperty({ format: 'uuid' }) associationId!: string;
  @ApiProperty() associationName!: string;
  @ApiProperty() associationSiret!: string;
  @ApiProperty({
    description: 'Full IBAN for administrators and agents, masked for the association',
  })
  associationIban!: string;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) periodFrom!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) periodTo!: string | null;
  @ApiProperty() totalCents!: number;
  @ApiProperty({
    enum: ['REIMBURSEMENT', 'CORRECTION'],
    description:
      'CORRECTION when the total is negative: the association owes the département that sum (the finance office issues a recovery order, titre de recette); REIMBURSEMENT otherwise (a payment order, mandat)',
  })
  kind!: 'REIMBURSEMENT' | 'CORRECTION';
  @ApiProperty() lineCount!: number;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Who issued it (null for the association itself)',
  })
  issuedBy!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) approvedAt!:
    string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Who approved it, a second person (null before, and for the association)',
  })
  approvedBy!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Who recorded the payment (null before, and for the association)',
  })
  paidBy!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) paidOn!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) paymentReference!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) mandateNumber!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Who certified the statement (« Certifié exact »), as printed',
  })
  approverName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) approverTitle!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The payment batch that carries it (IN_BATCH, SENT, PAID through a batch)',
  })
  batchNumber!: string | null;
  @ApiProperty({
    description:
      "The association's bank details were changed less than 30 days before the approval (or before now, not yet approved): check them against the bank-details document",
  })
  bankDetailsRecentlyChanged!: boolean;
  @ApiProperty({
    type: 'array',
    description: 'Budget imputation and legal basis per programme, frozen at issue',
  })
  imputations!: StatementImputation[];
  @ApiProperty({
    enum: STATEMENT_ACTIONS,
    isArray: true,
    description: 'What the caller may do with the statement now',
  })
  actions!: StatementAction[];
}

export class StatementDetailDto extends StatementDto {
  @ApiProperty({
    type: [StatementLineDto],
    description: 'The first 1,000 lines; the CSV and PDF have all of them',
  })
  lines!: StatementLineDto[];
}

export class CutOffResultDto {
  @ApiProperty({ type: [ClaimDto] }) claims!: ClaimDto[];
}

export class ReconciliationDto {
  @ApiProperty() issuedCents!: number;
  @ApiProperty() outstandingCents!: number;
  @ApiProperty() redeemedCents!: number;
  @ApiProperty() expiredCents!: number;
  @ApiProperty() cancelledCents!: number;
  @ApiProperty() unclaimedCents!: number;
  @ApiProperty() onClaimsCents!: number;
  @ApiProperty() onStatementsCents!: number;
  @ApiProperty() reversedCents!: number;
  @ApiProperty({
    description: 'Reversed after being on a statement: owed back, to go on a later statement',
  })
  owedBackCents!: number;
  @ApiProperty({ description: 'Owed back, on no statement yet (the next cut-off carries it)' })
  correctionsPendingCents!: number;
  @ApiProperty({ description: 'Owed back, on an issued statement not yet settled' })
  correctionsOnStatementsCents!: number;
  @ApiProperty({ description: 'Owed back, on a statement marked paid (settled)' })
  correctionsSettledCents!: number;
  @ApiProperty({
    description:
      'Owed back = pending + on statements + settled, and nothing pending from before the last cut-off (a forgotten correction makes it false)',
  })
  owedBackBalanced!: boolean;
  @ApiProperty({ description: 'issued = outstanding + redeemed + expired + cancelled' })
  issuedBalanced!: boolean;
  @ApiProperty({ description: 'redeemed = unclaimed + on claims + on statements − reversals' })
  redeemedBalanced!: boolean;
}

/** Where a claim's money stands: the date of every step, and the delay against the target. */
export class PaymentTrackDto {
  @ApiProperty({ format: 'uuid' }) claimId!: string;
  @ApiProperty({ format: 'uuid' }) associationId!: string;
  @ApiProperty() associationName!: string;
  @ApiProperty({ format: 'date' }) upTo!: string;
  @ApiProperty() totalCents!: number;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) statementId!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) statementNumber!: string | null;
  @ApiProperty({
    enum: ['SUBMITTED', 'ISSUED', 'APPROVED', 'IN_BATCH', 'SENT', 'PAID'],
    description: 'The last step reached',
  })
  step!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) submittedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) issuedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) approvedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) inBatchAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) sentAt!:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) paidOn!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) mandateNumber!: string | null;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Days from approval to payment (or to today, unpaid)',
  })
  daysSinceApproval!: number | null;
  @ApiProperty({ description: 'The payment-delay target in days (PAYMENT_DELAY_DAYS)' })
  targetDays!: number;
  @ApiProperty({ description: 'Approved, unpaid, beyond the target' }) late!: boolean;
}

export class PaymentTrackQueryDto {
  @ApiPropertyOptional({
    description: 'true: only statements approved and unpaid beyond the target',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  late?: 'true' | 'false';

  @ApiPropertyOptional({ format: 'uuid', description: 'One association (staff)' })
  @IsOptional()
  @IsUUID()
  associationId?: string;

  @ApiPropertyOptional({ default: 500, minimum: 1, maximum: 500, description: 'Most recent first' })
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize?: number;
}
