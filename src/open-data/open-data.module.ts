import { Module } from '@nestjs/common';
import { AssociationsModule } from '../associations/associations.module';
import { StatsModule } from '../stats/stats.module';
import { OpenDataController } from './open-data.controller';
import { OpenDataService } from './open-data.service';

@Module({
  imports: [AssociationsModule, StatsModule],
  controllers: [OpenDataController],
  providers: [OpenDataService],
})
export class OpenDataModule {}
