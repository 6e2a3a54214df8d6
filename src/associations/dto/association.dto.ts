import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsCalendarDate } from '../../common/validators';
import type {
  Accreditation,
  AccreditationDecision,
  AccreditationStatus,
} from '../accreditation.entity';
import type { Association } from '../association.entity';

export class CreateAssociationDto {
  @ApiProperty({ example: 'Les Connectés du Mirail' })
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: '73282932000074', description: '14 digits, Luhn-checked' })
  @IsString()
  @MaxLength(20)
  siret!: string;

  @ApiProperty({ example: '12 allée de Bellefontaine' })
  @IsString()
  @MinLength(3)
  @MaxLength(300)
  address!: string;

  @ApiProperty({ example: '31100' })
  @Matches(/^\d{5}$/, { message: 'postalCode must be 5 digits' })
  postalCode!: string;

  @ApiProperty({ example: 'Toulouse' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  city!: string;

  @ApiProperty({ example: 'contact@connectes.example' })
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ example: '05 61 00 00 00' })
  @IsOptional()
  @Matches(/^[0-9 +().-]{6,30}$/, { message: 'phone must be a phone number' })
  phone?: string;

  @ApiPropertyOptional({ example: 'Mardi et jeudi, 14 h – 17 h', maxLength: 300 })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  openingHours?: string;

  @ApiProperty({ example: 'FR76 3000 6000 0112 3456 7890 189' })
  @IsString()
  @MaxLength(50)
  iban!: string;

  @ApiPropertyOptional({ example: 'AGRIFRPP' })
  @IsOptional()
  @IsString()
  @MaxLength(11)
  bic?: string;

  @ApiProperty({ type: [String], example: ['Smartphone', 'Démarches administratives en ligne'] })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(2, { each: true })
  @MaxLength(120, { each: true })
  activities!: string[];
}

export class UpdateAssociationDto extends PartialType(CreateAssociationDto) {}

export class PendingBankDetailsDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Full for administrators, masked for the association' })
  iban!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) bic!: string | null;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'SHA-256 of the bank-details document (RIB) the request rests on',
  })
  documentSha256!: string | null;
}

/** New bank details, asked with the association's bank-details document (multipart form). */
export class RequestBankDetailsDto extends PickType(CreateAssociationDto, [
  'iban',
  'bic',
] as const) {}

/** One version of an association's bank details: who asked, who decided, when, on what document. */
export class BankDetailsChangeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() iban!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) bic!: string | null;
  @ApiProperty({ enum: ['PENDING', 'CONFIRMED', 'CANCELLED'] }) status!: string;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) decidedBy!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) decidedAt!:
    string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) documentName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) documentType!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) documentSha256!: string | null;
}

export class AccreditationDecisionDto {
  @ApiProperty({ enum: ['GRANTED', 'SUSPENDED', 'REINSTATED', 'REVOKED'] }) action!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'uuid' }) decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;

  static from(d: AccreditationDecision): AccreditationDecisionDto {
    return {
      action: d.action,
      reason: d.reason,
      decidedBy: d.decidedBy,
      decidedAt: d.decidedAt.toISOString(),
    };
  }
}

export class AccreditationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date' }) validUntil!: string;
  @ApiProperty({ enum: ['ACTIVE', 'SUSPENDED', 'REVOKED'] }) status!: AccreditationStatus;
  @ApiProperty({ type: [AccreditationDecisionDto] }) decisions!: AccreditationDecisionDto[];

  static from(a: Accreditation, decisions: AccreditationDecision[]): AccreditationDto {
    return {
      id: a.id,
      validFrom: a.validFrom,
      validUntil: a.validUntil,
      status: a.status,
      decisions: decisions
        .filter((d) => d.accreditationId === a.id)
        .map((d) => AccreditationDecisionDto.from(d)),
    };
  }
}

export class AssociationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() siret!: string;
  @ApiProperty() address!: string;
  @ApiProperty() postalCode!: string;
  @ApiProperty() city!: string;
  @ApiProperty() email!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) phone!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) openingHours!: string | null;
  @ApiProperty({ description: 'Full IBAN for administrators, masked for everyone else' })
  iban!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) bic!: string | null;
  @ApiProperty({ type: [String] }) activities!: string[];
  @ApiProperty({ description: 'Accredited and not suspended today' }) accreditedToday!: boolean;
  @ApiProperty({ type: [AccreditationDto] }) accreditations!: AccreditationDto[];
  @ApiPropertyOptional({
    type: () => PendingBankDetailsDto,
    nullable: true,
    description:
      'New bank details asked by an administrator, not applied until a second one confirms them (POST …/bank-details/confirm)',
  })
  pendingBankDetails!: PendingBankDetailsDto | null;
}

/** The accreditation that matters on `today`: the one whose period holds it, else the latest. */
export function accreditationOfToday(
  a: AssociationDto,
  today: string,
): AccreditationDto | undefined {
  // accreditations come newest first (AssociationsService.view)
  return (
    a.accreditations.find((x) => x.validFrom <= today && x.validUntil >= today) ??
    a.accreditations[0]
  );
}

export class PublicAssociationDto {
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiProperty() postalCode!: string;
  @ApiProperty() city!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty({ description: "The association's contact address" }) email!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) openingHours!: string | null;
  @ApiProperty({ type: [String] }) activities!: string[];

  static from(a: Association): PublicAssociationDto {
    return {
      name: a.name,
      address: a.address,
      postalCode: a.postalCode,
      city: a.city,
      phone: a.phone,
      email: a.email,
      openingHours: a.openingHours,
      activities: a.activities,
    };
  }
}

/** Which pending change the confirmer checked (optional for API clients; pages send it). */
export class ConfirmBankDetailsDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'pendingBankDetails.id as seen' })
  @IsOptional()
  @IsUUID()
  changeId?: string;
}

export class GrantAccreditationDto {
  @ApiProperty({ example: '2026-01-01' })
  @IsCalendarDate()
  validFrom!: string;

  @ApiProperty({ example: '2026-12-31' })
  @IsCalendarDate()
  validUntil!: string;
}

export class AccreditationReasonDto {
  @ApiProperty({ example: 'Contrôle en cours' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class OptionalReasonDto {
  @ApiPropertyOptional({ example: 'Contrôle terminé' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class PublicDirectoryQueryDto {
  @ApiPropertyOptional({ description: 'City or postal code (start of)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}
