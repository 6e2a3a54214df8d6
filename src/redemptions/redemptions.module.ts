import { Module } from '@nestjs/common';
import { ProgrammesModule } from '../programmes/programmes.module';
import { AssociationsModule } from '../associations/associations.module';
import { BookletsModule } from '../booklets/booklets.module';
import { ChequeCheckService } from './cheque-check.service';
import { ChequeLookupGuard } from './cheque-lookup.guard';
import { IdempotencyKeysService } from './idempotency-keys.service';
import { RedemptionExportService } from './redemption-export.service';
import { PublicChequesController, RedemptionsController } from './redemptions.controller';
import { RedemptionsService } from './redemptions.service';

@Module({
  imports: [AssociationsModule, ProgrammesModule, BookletsModule],
  controllers: [RedemptionsController, PublicChequesController],
  providers: [
    RedemptionsService,
    ChequeCheckService,
    ChequeLookupGuard,
    IdempotencyKeysService,
    RedemptionExportService,
  ],
  exports: [RedemptionsService, ChequeCheckService, RedemptionExportService],
})
export class RedemptionsModule {}
