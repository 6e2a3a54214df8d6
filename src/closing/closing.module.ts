import { Module } from '@nestjs/common';
import { ProgrammesModule } from '../programmes/programmes.module';
import { StatementsModule } from '../statements/statements.module';
import { ClosingController } from './closing.controller';
import { ClosingService } from './closing.service';

@Module({
  imports: [ProgrammesModule, StatementsModule],
  controllers: [ClosingController],
  providers: [ClosingService],
  exports: [ClosingService],
})
export class ClosingModule {}
