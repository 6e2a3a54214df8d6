import { Module } from '@nestjs/common';
import { ProgrammesModule } from '../programmes/programmes.module';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

@Module({
  imports: [ProgrammesModule],
  controllers: [StatsController],
  providers: [StatsService],
  exports: [StatsService],
})
export class StatsModule {}
