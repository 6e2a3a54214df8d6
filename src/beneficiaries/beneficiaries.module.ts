import { Module } from '@nestjs/common';
import { BeneficiariesService } from './beneficiaries.service';

@Module({ providers: [BeneficiariesService], exports: [BeneficiariesService] })
export class BeneficiariesModule {}
