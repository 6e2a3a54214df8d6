import { Module } from '@nestjs/common';
import { AssociationsController, PublicAssociationsController } from './associations.controller';
import { AccreditationsService } from './accreditations.service';
import { AccreditationRemindersJob } from './accreditation-reminders.job';
import { UsersModule } from '../users/users.module';
import { AssociationsService } from './associations.service';

@Module({
  imports: [UsersModule],
  controllers: [AssociationsController, PublicAssociationsController],
  providers: [AssociationsService, AccreditationsService, AccreditationRemindersJob],
  exports: [AssociationsService, AccreditationsService],
})
export class AssociationsModule {}
