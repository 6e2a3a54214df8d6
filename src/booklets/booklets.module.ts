import { Module } from '@nestjs/common';
import { BeneficiariesModule } from '../beneficiaries/beneficiaries.module';
import { ProgrammesModule } from '../programmes/programmes.module';
import { BookletsController } from './booklets.controller';
import { BookletDocumentsService } from './booklet-documents.service';
import { BookletsService } from './booklets.service';
import { ChequesService } from './cheques.service';

@Module({
  imports: [ProgrammesModule, BeneficiariesModule],
  controllers: [BookletsController],
  providers: [BookletsService, BookletDocumentsService, ChequesService],
  exports: [BookletsService, BookletDocumentsService, ChequesService],
})
export class BookletsModule {}
