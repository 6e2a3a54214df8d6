import { Module, OnModuleInit } from '@nestjs/common';
import { SessionReader } from '../auth/session-reader';
import { providePageChrome } from '../common/http/page-chrome';
import type { Actor } from '../common/access/role';
import { pageModel } from './page-model';
import { AssociationsModule } from '../associations/associations.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { BookletsModule } from '../booklets/booklets.module';
import { PaymentBatchesModule } from '../payment-batches/payment-batches.module';
import { ProgrammesModule } from '../programmes/programmes.module';
import { RedemptionsModule } from '../redemptions/redemptions.module';
import { StatementsModule } from '../statements/statements.module';
import { StatsModule } from '../stats/stats.module';
import { UsersModule } from '../users/users.module';
import { AdminPagesController } from './admin-pages.controller';
import { AgentPagesController } from './agent-pages.controller';
import { AssociationPagesController } from './association-pages.controller';
import { DistributionPagesController } from './distribution-pages.controller';
import { ClosingPagesController } from './closing-pages.controller';
import { ClosingModule } from '../closing/closing.module';
import { SitesModule } from '../sites/sites.module';
import { PublicPagesController } from './public-pages.controller';
import { SessionPagesController } from './session-pages.controller';
import { ProgrammePagesController } from './programme-pages.controller';
import { StructureAdminPagesController } from './structure-admin-pages.controller';
import { UserAdminPagesController } from './user-admin-pages.controller';
import { AccessRequestPagesController } from './access-request-pages.controller';
import { AccountPagesController } from './account-pages.controller';
import { MessageAdminPagesController } from './message-admin-pages.controller';

/** The web interface in French: pages over the same services as the API. */
@Module({
  imports: [
    AssociationsModule,
    AuditModule,
    AuthModule,
    BookletsModule,
    PaymentBatchesModule,
    ProgrammesModule,
    RedemptionsModule,
    StatementsModule,
    StatsModule,
    SitesModule,
    ClosingModule,
    UsersModule,
  ],
  controllers: [
    PublicPagesController,
    SessionPagesController,
    AgentPagesController,
    AdminPagesController,
    ProgrammePagesController,
    StructureAdminPagesController,
    UserAdminPagesController,
    MessageAdminPagesController,
    AccessRequestPagesController,
    AccountPagesController,
    AssociationPagesController,
    DistributionPagesController,
    ClosingPagesController,
  ],
})
export class WebModule implements OnModuleInit {
  constructor(private readonly sessions: SessionReader) {}

  /** Error pages show who is signed in and their menu, like every other page. */
  onModuleInit(): void {
    providePageChrome(async (req) => {
      const known = (req as { user?: Actor }).user;
      const caller = known ? null : await this.sessions.caller(req);
      const actor = known ?? (caller?.kind === 'actor' ? caller.actor : null);
      if (!actor) return {};
      const { user, nav } = pageModel(actor, '', '', {});
      return { user, nav };
    });
  }
}
