import { Module } from '@nestjs/common';
import { AccountLinksService } from './account-links.service';
import { ExternalIdentitiesService } from './external-identities.service';
import { FirstAdmin } from './first-admin';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersService, AccountLinksService, ExternalIdentitiesService, FirstAdmin],
  exports: [UsersService, AccountLinksService, ExternalIdentitiesService],
})
export class UsersModule {}
