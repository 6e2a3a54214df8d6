import { Module } from '@nestjs/common';
import { BeneficiariesModule } from '../beneficiaries/beneficiaries.module';
import { ProgrammesModule } from '../programmes/programmes.module';
import { BookletsController } from './booklets.controller';
import { BookletsService } from './booklets.service';
import { ChequesService } from './cheques.service';

@Module({
  imports: [ProgrammesModule, BeneficiariesModule],
  controllers: [BookletsController],
  providers: [BookletsService, ChequesService],
  exports: [BookletsService, ChequesService],
})
export class BookletsModule {}
