import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ProgrammesController } from './programmes.controller';
import { ProgrammesService } from './programmes.service';
import { ProgrammeRemindersJob } from './programme-reminders.job';

@Module({
  imports: [UsersModule],
  controllers: [ProgrammesController],
  providers: [ProgrammesService, ProgrammeRemindersJob],
  exports: [ProgrammesService],
})
export class ProgrammesModule {}
