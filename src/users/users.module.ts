import { Module } from '@nestjs/common';
import { AccountLinksService } from './account-links.service';
import { FirstAdmin } from './first-admin';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, AccountLinksService, FirstAdmin],
  exports: [UsersService, AccountLinksService],
})
export class UsersModule {}
