import { Module } from '@nestjs/common';
import { ProgrammesController } from './programmes.controller';
import { ProgrammesService } from './programmes.service';
import { ProgrammeRemindersJob } from './programme-reminders.job';

@Module({
  controllers: [ProgrammesController],
  providers: [ProgrammesService, ProgrammeRemindersJob],
  exports: [ProgrammesService],
})
export class ProgrammesModule {}
