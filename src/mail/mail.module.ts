import { Global, Module } from '@nestjs/common';
import { MailController } from './mail.controller';
import { MailTransport } from './mail-transport';
import { MailWorker } from './mail-worker';
import { OutboxService } from './outbox.service';

/** E-mail: the outbox every feature writes to in its transaction, and the worker that sends it. */
@Global()
@Module({
  controllers: [MailController],
  providers: [MailTransport, OutboxService, MailWorker],
  exports: [OutboxService, MailWorker],
})
export class MailModule {}
