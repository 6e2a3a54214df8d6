import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A programme's closing figures, to the cent; frozen on the programme at closing. */
export class ClosingFiguresDto {
  @ApiProperty() budgetCents!: number;
  @ApiProperty({ description: 'Committed before closing: issued minus cancelled' })
  committedBeforeCents!: number;
  @ApiProperty() bookletsIssued!: number;
  @ApiProperty() bookletsHandedOver!: number;
  @ApiProperty({ description: 'Still in stock at a site, never handed out' })
  bookletsNeverHandedOver!: number;
  @ApiProperty() bookletsCancelled!: number;
  @ApiProperty() chequesIssued!: number;
  @ApiProperty() issuedCents!: number;
  @ApiProperty() chequesRedeemed!: number;
  @ApiProperty({ description: 'Redeemed and still standing (not reversed)' })
  redeemedCents!: number;
  @ApiProperty({ description: 'On statements (claimed and issued)' }) claimedCents!: number;
  @ApiProperty({ description: 'Positive lines of paid statements' }) paidCents!: number;
  @ApiProperty({ description: 'Reversed after payment: owed back' }) owedBackCents!: number;
  @ApiProperty({ description: 'Owed back and deducted from a paid statement' })
  correctionsSettledCents!: number;
  @ApiProperty({ description: 'paid − corrections settled: what the département spent' })
  netPaidCents!: number;
  @ApiProperty() chequesExpired!: number;
  @ApiProperty({ description: 'Unused at the expiry date' }) expiredCents!: number;
  @ApiProperty() chequesCancelled!: number;
  @ApiProperty() cancelledCents!: number;
  @ApiProperty({ description: 'Redeemed but never claimed before the deadline: not owed' })
  unclaimedCents!: number;
  @ApiProperty({ description: 'committed before − net paid: given back to the budget' })
  releasedCents!: number;
  @ApiProperty({
    description:
      'issued = expired + cancelled + redeemed + reversed; committed = issued − cancelled; released = expired + unclaimed + owed back; claimed = paid',
  })
  reconciled!: boolean;
}

export class ClosingDto {
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty() programmeName!: string;
  @ApiProperty({ format: 'date' }) claimDeadline!: string;
  @ApiProperty() closable!: boolean;
  @ApiProperty({ type: [String], description: 'Why it cannot be closed yet (French)' })
  reasons!: string[];
  @ApiProperty({ type: ClosingFiguresDto }) figures!: ClosingFiguresDto;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) closedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) closedBy!: string | null;
}
