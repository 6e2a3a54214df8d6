import { Module } from '@nestjs/common';
import { StatementRenderer } from './pdf/statement-renderer';
import { ClaimsController, StatementsController } from './statements.controller';
import { UsersModule } from '../users/users.module';
import { AssociationsModule } from '../associations/associations.module';
import { RedemptionsModule } from '../redemptions/redemptions.module';
import { ClaimsService } from './claims.service';
import { ReconciliationService } from './reconciliation.service';
import { StatementDocumentsService } from './statement-documents.service';
import { StatementExportService } from './statement-export.service';
import { StatementsService } from './statements.service';

@Module({
  imports: [AssociationsModule, RedemptionsModule, UsersModule],
  controllers: [ClaimsController, StatementsController],
  providers: [
    StatementsService,
    ClaimsService,
    StatementExportService,
    ReconciliationService,
    StatementRenderer,
    StatementDocumentsService,
  ],
  exports: [StatementsService, ClaimsService, ReconciliationService, StatementDocumentsService],
})
export class StatementsModule {}
