import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { SessionReader } from './session-reader';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginLimits } from './login-limits';
import { AssociationsModule } from '../associations/associations.module';
import { AccessRequestsController } from './sso/access-requests.controller';
import { OidcClient } from './sso/oidc-client';
import { SsoService } from './sso/sso.service';
import { SecondFactorController } from './second-factor/second-factor.controller';
import { SecondFactorService } from './second-factor/second-factor.service';
import { SecretSealer } from './second-factor/secret-sealer';

@Module({
  imports: [
    UsersModule,
    AssociationsModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        // A KeyObject made once: given a string, jsonwebtoken rebuilds a key on every verification.
        const key = createSecretKey(Buffer.from(config.get('JWT_SECRET'), 'utf8'));
        return {
          secret: key,
          signOptions: { algorithm: 'HS256', expiresIn: config.get('JWT_TTL_SECONDS') },
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
  ],
  controllers: [AuthController, AccessRequestsController, SecondFactorController],
  providers: [
    AuthService,
    LoginLimits,
    SessionReader,
    OidcClient,
    SsoService,
    SecondFactorService,
    SecretSealer,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AuthService, SessionReader, SsoService, SecondFactorService],
})
export class AuthModule {}
