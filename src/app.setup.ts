import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { SESSION_COOKIE } from './auth/decorators';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { useBodyParsers } from './common/http/body-parsers';
import { assignRequestId } from './common/http/request-id';
import { createValidationPipe } from './common/http/validation';
import { AppConfig } from './config/app-config';
import { useCsrf } from './web/csrf';
import { useViews } from './web/views';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Pass numérique API')
    .setDescription(
      'Chèques numériques d’un département : dispositifs, carnets, encaissements et états de remboursement. ' +
        'Every error is RFC 9457 application/problem+json with a stable `code`. ' +
        'Each operation lists the roles allowed to call it in `x-roles`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addCookieAuth(SESSION_COOKIE)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Everything that makes the HTTP application what it is, shared by main.ts and the tests so that
 * the tests exercise exactly what runs in production.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req: Request, res: Response, next: NextFunction) => {
    assignRequestId(req, res);
    next();
  });
  const https = config.get('PUBLIC_BASE_URL').startsWith('https://');
  app.use(
    helmet({
      hsts: https,
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:'],
          // 'wasm-unsafe-eval': the scan page compiles the QR decoder (WebAssembly), nothing else.
          'script-src': ["'self'", "'wasm-unsafe-eval'"],
          'upgrade-insecure-requests': https ? [] : null,
        },
      },
    }),
  );
  useBodyParsers(app, config.get('BODY_LIMIT'));
  app.use(cookieParser());
  useCsrf(app);
  useViews(app);
  app.useGlobalPipes(createValidationPipe());
  // Registered as APP_FILTER too; this instance also catches errors raised before the module graph (404s).
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    customSiteTitle: 'Pass numérique — API',
  });
}
