import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { IsDateString, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import type { AuditEvent } from '../audit-event.entity';

export class AuditEventDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) actorId!: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) actorRole!: string | null;
  @ApiProperty({ example: 'user.created' }) action!: string;
  @ApiProperty({ example: 'user' }) entityType!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) entityId!: string | null;
  @ApiPropertyOptional({ type: Object, nullable: true }) before!: object | null;
  @ApiPropertyOptional({ type: Object, nullable: true }) after!: object | null;
  @ApiPropertyOptional({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ description: 'Audit chain (0–63) the event was appended to' }) chain!: number;
  @ApiProperty({ example: '17', description: 'Its number in that chain, from 1' }) seq!: string;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;

  static from(e: AuditEvent): AuditEventDto {
    return {
      id: e.id,
      at: e.at.toISOString(),
      actorId: e.actorId,
      actorRole: e.actorRole,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      before: e.before,
      after: e.after,
      requestId: e.requestId,
      chain: e.chain,
      seq: e.seq,
      prevHash: e.prevHash,
      hash: e.hash,
    };
  }
}

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'auth.login_failed' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  action?: string;

  @ApiPropertyOptional({ example: 'user' })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  entityType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until this instant (exclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}

export class AuditVerificationDto {
  @ApiProperty({
    description: 'The audit chain is intact and every issued statement matches its hash',
  })
  ok!: boolean;
  @ApiProperty({ description: 'Audit events verified' }) checked!: number;
  @ApiPropertyOptional({ description: 'First audit event whose hash or link does not match' })
  firstBadId?: string;
  @ApiPropertyOptional({ description: 'The audit chain (0–63) of that event' }) chain?: number;
  @ApiPropertyOptional() reason?: string;
  @ApiProperty({ description: 'Issued statements checked against their sealed hash' })
  statementsChecked!: number;
  @ApiProperty({ type: [String], description: 'Statements whose content no longer matches' })
  brokenStatements!: string[];
}
