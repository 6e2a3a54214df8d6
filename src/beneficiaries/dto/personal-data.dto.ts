import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BeneficiaryDto } from './beneficiary.dto';

export class ExportedRedemptionDto {
  @ApiProperty({ format: 'date' }) sessionDate!: string;
  @ApiProperty() activity!: string;
  @ApiProperty() associationName!: string;
  @ApiProperty() amountCents!: number;
}

export class ExportedChequeDto {
  @ApiProperty() position!: number;
  @ApiProperty({ enum: ['ISSUED', 'REDEEMED', 'CANCELLED'] }) status!: string;
  @ApiProperty() faceValueCents!: number;
  @ApiPropertyOptional({ type: ExportedRedemptionDto, nullable: true })
  redemption!: ExportedRedemptionDto | null;
}

export class ExportedBookletDto {
  @ApiProperty() number!: string;
  @ApiProperty() programme!: string;
  @ApiProperty({ enum: ['ACTIVE', 'CANCELLED'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty({ type: [ExportedChequeDto] }) cheques!: ExportedChequeDto[];
}

/** Everything kept about one beneficiary (RGPD art. 15 and 20). */
export class PersonalDataExportDto {
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ type: BeneficiaryDto }) beneficiary!: BeneficiaryDto;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) erasedAt!:
    string | null;
  @ApiProperty({ type: [ExportedBookletDto] }) booklets!: ExportedBookletDto[];
  @ApiProperty({ format: 'date', description: 'When the retention job erases the personal fields' })
  retainedUntil!: string;
}

export class ErasureResultDto {
  @ApiProperty({ description: 'The pseudonymous reference that replaces the erased one' })
  reference!: string;
  @ApiProperty({ format: 'date-time' }) erasedAt!: string;
}

export class RetentionRunDto {
  @ApiProperty() erased!: number;
  @ApiProperty({ format: 'date' }) today!: string;
}
