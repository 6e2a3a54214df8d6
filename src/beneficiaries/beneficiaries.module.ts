import { Module } from '@nestjs/common';
import { BeneficiariesController } from './beneficiaries.controller';
import { BeneficiariesService } from './beneficiaries.service';
import { PersonalDataService } from './personal-data.service';
import { RetentionJob } from './retention.job';

@Module({
  controllers: [BeneficiariesController],
  providers: [BeneficiariesService, PersonalDataService, RetentionJob],
  exports: [BeneficiariesService, PersonalDataService],
})
export class BeneficiariesModule {}
