import { Module } from '@nestjs/common';
import { ProgrammesModule } from '../programmes/programmes.module';
import { AssociationsModule } from '../associations/associations.module';
import { PublicChequesController, RedemptionsController } from './redemptions.controller';
import { RedemptionsService } from './redemptions.service';

@Module({
  imports: [AssociationsModule, ProgrammesModule],
  controllers: [RedemptionsController, PublicChequesController],
  providers: [RedemptionsService],
  exports: [RedemptionsService],
})
export class RedemptionsModule {}
