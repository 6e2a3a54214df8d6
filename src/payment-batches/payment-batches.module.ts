import { Module } from '@nestjs/common';
import { PaymentBatchesController } from './payment-batches.controller';
import { PaymentBatchesService } from './payment-batches.service';

@Module({
  controllers: [PaymentBatchesController],
  providers: [PaymentBatchesService],
  exports: [PaymentBatchesService],
})
export class PaymentBatchesModule {}
