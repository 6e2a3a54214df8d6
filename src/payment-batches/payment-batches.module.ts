import { Module } from '@nestjs/common';
import { StatementsModule } from '../statements/statements.module';
import { PaymentBatchesController } from './payment-batches.controller';
import { PaymentBatchesService } from './payment-batches.service';

@Module({
  imports: [StatementsModule],
  controllers: [PaymentBatchesController],
  providers: [PaymentBatchesService],
  exports: [PaymentBatchesService],
})
export class PaymentBatchesModule {}
