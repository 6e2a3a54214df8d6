import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import {
  MESSAGE_KINDS,
  MESSAGE_STATUSES,
  MessageKind,
  MessageStatus,
  type OutboxMessage,
} from '../outbox-message.entity';

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: MESSAGE_KINDS }) kind!: MessageKind;
  @ApiProperty() recipient!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: MessageStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ description: 'The message carries a personal link: its text is never shown' })
  sensitive!: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) nextAttemptAt!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The plain text; null for a message with a personal link, or erased',
  })
  text!: string | null;

  static from(m: OutboxMessage): MessageDto {
    return {
      id: m.id,
      kind: m.kind,
      recipient: m.recipient,
      subject: m.subject,
      status: m.status,
      attempts: m.attempts,
      sensitive: m.sensitive,
      lastError: m.lastError,
      createdAt: m.createdAt.toISOString(),
      nextAttemptAt: m.nextAttemptAt.toISOString(),
      sentAt: m.sentAt?.toISOString() ?? null,
      // a personal link (invitation, reset) is for its recipient only: shown to an administrator,
      // it would let them choose that person's password
      text: m.sensitive ? null : m.textBody,
    };
  }
}

export class MessageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

  @ApiPropertyOptional({ enum: MESSAGE_KINDS })
  @IsOptional()
  @IsIn(MESSAGE_KINDS)
  kind?: MessageKind;
}

export class OutboxSummaryDto {
  @ApiProperty({ description: 'Whether SMTP_URL is set: without it, messages wait here' })
  smtpConfigured!: boolean;
  @ApiProperty() pending!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() sent!: number;
  @ApiProperty() expired!: number;
}
