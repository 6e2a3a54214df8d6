import { Module } from '@nestjs/common';
import { AssociationsController, PublicAssociationsController } from './associations.controller';
import { AccreditationsService } from './accreditations.service';
import { AssociationsService } from './associations.service';

@Module({
  controllers: [AssociationsController, PublicAssociationsController],
  providers: [AssociationsService, AccreditationsService],
  exports: [AssociationsService, AccreditationsService],
})
export class AssociationsModule {}
