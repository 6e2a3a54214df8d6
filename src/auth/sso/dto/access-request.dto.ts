import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageOf, PageQueryDto } from '../../../common/pagination';
import { InviteUserDto } from '../../../users/dto/create-user.dto';
import {
  ACCESS_REQUEST_STATUSES,
  type AccessRequest,
  type AccessRequestStatus,
} from '../access-request.entity';

export class AccessRequestDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ description: 'Whether the provider vouched for the e-mail address' })
  emailVerified!: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) displayName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '11002001300097' }) siret!:
    string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The accredited association whose SIRET the provider gave',
  })
  associationId!: string | null;
  @ApiProperty({ enum: ACCESS_REQUEST_STATUSES }) status!: AccessRequestStatus;
  @ApiProperty({ description: 'Sign-ins while waiting' }) attempts!: number;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) userId!: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) decidedBy!: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) decidedAt!:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(r: AccessRequest): AccessRequestDto {
    return {
      id: r.id,
      email: r.email,
      emailVerified: r.emailVerified,
      displayName: r.displayName,
      siret: r.siret,
      associationId: r.associationId,
      status: r.status,
      attempts: r.attempts,
      userId: r.userId,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
      createdAt: r.createdAt.toISOString(),
    };
  }
}

export class AccessRequestQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ACCESS_REQUEST_STATUSES, default: 'PENDING' })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_STATUSES)
  status: AccessRequestStatus = 'PENDING';

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Those offered to this association (an association sees only its own anyway)',
  })
  @IsOptional()
  @IsUUID()
  associationId?: string;
}

export class AccessRequestPageDto extends PageOf(AccessRequestDto) {}

/** The account an administrator gives: as an invitation, the e-mail being the provider's. */
export class GrantAccessDto extends PickType(InviteUserDto, [
  'role',
  'associationId',
  'siteIds',
  'displayName',
  'jobTitle',
] as const) {}
