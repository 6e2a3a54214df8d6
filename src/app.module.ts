import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AssociationsModule } from './associations/associations.module';
import { SitesModule } from './sites/sites.module';
import { AuditModule } from './audit/audit.module';
import { MailModule } from './mail/mail.module';
import { AuthModule } from './auth/auth.module';
import { BookletsModule } from './booklets/booklets.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { RequestContextInterceptor } from './common/http/request-context.interceptor';
import { assignRequestId } from './common/http/request-id';
import { redactSecrets } from './common/http/redact';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProgrammesModule } from './programmes/programmes.module';
import { RedemptionsModule } from './redemptions/redemptions.module';
import { SecurityModule } from './security/security.module';
import { StatementsModule } from './statements/statements.module';
import { PaymentBatchesModule } from './payment-batches/payment-batches.module';
import { ClosingModule } from './closing/closing.module';
import { UsersModule } from './users/users.module';
import { OpenDataModule } from './open-data/open-data.module';
import { StatsModule } from './stats/stats.module';
import { WebModule } from './web/web.module';

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

@Module({})
export class AppModule {
  /** `env` overrides environment variables (tests use it to build isolated apps). */
  static forRoot(env: Record<string, string> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(env),
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            pinoHttp: {
              level: config.get('LOG_LEVEL'),
              genReqId: assignRequestId,
              redact: [
                'req.headers.authorization',
                'req.headers.cookie',
                'res.headers["set-cookie"]',
              ],
              autoLogging: { ignore: (req) => req.url === '/health' },
              // a link's secret (invitation, password reset) is never written to the logs
              serializers: {
                req: (req: { url?: string }) => {
                  if (req.url) req.url = redactSecrets(req.url);
                  return req;
                },
              },
              transport:
                config.get('NODE_ENV') === 'development' &&
                process.stdout.isTTY &&
                prettyAvailable()
                  ? { target: 'pino-pretty', options: { singleLine: true } }
                  : undefined,
            },
          }),
        }),
        DatabaseModule.forRoot(ENTITIES),
        MetricsModule,
        ScheduleModule.forRoot(),
        AuditModule,
        MailModule,
        UsersModule,
        AuthModule,
        HealthModule,
        ProgrammesModule,
        AssociationsModule,
        SitesModule,
        BookletsModule,
        SecurityModule,
        RedemptionsModule,
        StatementsModule,
        PaymentBatchesModule,
        ClosingModule,
        StatsModule,
        OpenDataModule,
        WebModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
      ],
    };
  }
}
