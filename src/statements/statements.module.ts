import { Module } from '@nestjs/common';
import { StatementRenderer } from './pdf/statement-renderer';
import { ClaimsController, StatementsController } from './statements.controller';
import { StatementsService } from './statements.service';

@Module({
  controllers: [ClaimsController, StatementsController],
  providers: [StatementsService, StatementRenderer],
  exports: [StatementsService],
})
export class StatementsModule {}
