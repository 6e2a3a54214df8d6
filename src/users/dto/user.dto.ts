import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ROLES, Role } from '../../common/access/role';
import {
  ACCOUNT_CHANGE_KINDS,
  type AccountChange,
  type AccountChangeKind,
} from '../account-change.entity';
import type { User } from '../user.entity';

export class PendingAccountChangeDto {
  @ApiProperty({ format: 'uuid', description: 'Sent back when confirming (changeId)' }) id!: string;
  @ApiProperty({ enum: ACCOUNT_CHANGE_KINDS }) kind!: AccountChangeKind;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'agent@departement.fr' }) email!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) displayName!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) jobTitle!: string | null;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) associationId!:
    string | null;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'Distribution sites (agents, prescribers)',
  })
  siteIds!: string[];
  @ApiProperty() active!: boolean;
  @ApiProperty({
    description: 'False for an invited account whose holder has not yet chosen a password',
  })
  hasPassword!: boolean;
  @ApiProperty({
    description:
      'True when the account signs in through the identity provider (ProConnect or the département’s own)',
  })
  singleSignOn!: boolean;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) lastLoginAt!:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({
    type: PendingAccountChangeDto,
    nullable: true,
    description:
      'A change giving administrator powers (new administrator, re-activation, password reset by another administrator), not applied until a second administrator confirms it',
  })
  pendingChange!: PendingAccountChangeDto | null;

  static from(
    user: User,
    pending: AccountChange | null = null,
    siteIds: string[] = [],
    singleSignOn = false,
  ): UserDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      jobTitle: user.jobTitle ?? null,
      role: user.role,
      associationId: user.associationId,
      siteIds,
      active: user.active,
      hasPassword: user.passwordHash !== null,
      singleSignOn,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
      pendingChange: pending
        ? {
            id: pending.id,
            kind: pending.kind,
            requestedBy: pending.requestedBy,
            requestedAt: pending.requestedAt.toISOString(),
          }
        : null,
    };
  }
}

/** Which pending change the confirmer read (optional for API clients; pages send it). */
export class ConfirmChangeDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'pendingChange.id as seen' })
  @IsOptional()
  @IsUUID()
  changeId?: string;
}
