import { Module } from '@nestjs/common';
import { BeneficiariesModule } from '../beneficiaries/beneficiaries.module';
import { ProgrammesModule } from '../programmes/programmes.module';
import { SitesModule } from '../sites/sites.module';
import { AssociationsModule } from '../associations/associations.module';
import { HandoverService } from './handover.service';
import { BookletPageService } from './booklet-page.service';
import { StockController } from './stock.controller';
import { StockService } from './stock.service';
import { BookletsController } from './booklets.controller';
import { BookletDocumentsService } from './booklet-documents.service';
import { BookletsService } from './booklets.service';
import { ChequesService } from './cheques.service';

@Module({
  imports: [ProgrammesModule, BeneficiariesModule, SitesModule, AssociationsModule],
  controllers: [BookletsController, StockController],
  providers: [
    BookletsService,
    BookletDocumentsService,
    BookletPageService,
    ChequesService,
    HandoverService,
    StockService,
  ],
  exports: [
    BookletsService,
    BookletDocumentsService,
    BookletPageService,
    ChequesService,
    HandoverService,
    StockService,
  ],
})
export class BookletsModule {}
