import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { createSecretKey } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { PgThrottlerStorage } from '../security/pg-throttler.storage';
import { RateLimiter } from '../security/rate-limiter.service';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { SessionReader } from './session-reader';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { loginEmailTracker } from './login-throttler.guard';

@Module({
  imports: [
    UsersModule,
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
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RateLimiter],
      useFactory: (config: AppConfig, limiter: RateLimiter) => {
        const ttl = config.get('LOGIN_RATE_WINDOW_SECONDS') * 1000;
        return {
          storage: new PgThrottlerStorage(limiter),
          throttlers: [
            {
              name: 'loginIp',
              ttl,
              limit: config.get('LOGIN_RATE_LIMIT_PER_IP'),
              blockDuration: ttl,
            },
            {
              name: 'loginEmail',
              ttl,
              limit: config.get('LOGIN_RATE_LIMIT_PER_EMAIL'),
              blockDuration: ttl,
              getTracker: loginEmailTracker,
            },
          ],
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, SessionReader, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [AuthService, SessionReader],
})
export class AuthModule {}
