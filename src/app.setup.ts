import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { errorCatalogue } from './common/errors/catalogue';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { SESSION_COOKIE } from './common/access/decorators';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { useBodyParsers } from './common/http/body-parsers';
import { assignRequestId } from './common/http/request-id';
import { createValidationPipe } from './common/http/validation';
import { AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { useCsrf } from './web/csrf';
import { useViews } from './web/views';

/**
 * Express's `trust proxy` from TRUST_PROXY: the proxies whose X-Forwarded-For is believed. None by
 * default, so that nobody can choose the address every per-IP limit counts by sending the header.
 */
export function trustProxy(setting: string | undefined): false | string[] {
  return setting ? setting.split(',').map((s) => s.trim()) : false;
}

/**
 * Without TRUST_PROXY, a reverse proxy in front makes every client look like the proxy (the
 * per-IP limits then count them all together): say so once in the log when the header arrives.
 */
function warnOnceAboutUntrustedProxy() {
  const logger = new NestLogger('TrustProxy');
  let warned = false;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        `X-Forwarded-For received from ${req.socket.remoteAddress} and ignored (TRUST_PROXY is unset): if it is your reverse proxy, set TRUST_PROXY=${req.socket.remoteAddress}`,
      );
    }
    next();
  };
}

/**
 * Listens, and on SIGTERM/SIGINT lets Nest's shutdown (enableShutdownHooks) stop accepting, wait
 * for the requests in flight — at most SHUTDOWN_GRACE_SECONDS, then the remaining connections are
 * cut — and only then close the database.
 */
export async function listenWithGracefulStop(app: INestApplication, port: number): Promise<void> {
  await app.listen(port);
  const server = app.getHttpServer() as Server;
  const graceMs = app.get(AppConfig).get('SHUTDOWN_GRACE_SECONDS') * 1000;
  const onSignal = () => {
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), graceMs).unref();
    // A request stuck in the database would hold the pool open: past the grace and 10 s more,
    // leave; PostgreSQL rolls back whatever that request had not committed.
    setTimeout(() => {
      process.stderr.write(
        'Pass numérique: requests still running after the grace period, stopping now\n',
      );
      process.exit(1);
    }, graceMs + 10_000).unref();
  };
  // once: Nest re-raises the signal after its shutdown, and that must end the process.
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

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
  const document = SwaggerModule.createDocument(app, config);
  // Every error code a client may meet, with its status and meaning: the features' catalogues.
  const catalogue = errorCatalogue();
  const problem = document.components?.schemas?.ProblemDetailsDto as
    { properties: Record<string, Record<string, unknown>> } | undefined;
  if (problem) problem.properties.code.enum = catalogue.map((e) => e.code);
  return Object.assign(document, {
    'x-error-catalogue': catalogue.map(({ code, status, feature, detail, when }) => ({
      code,
      status,
      feature,
      detail,
      when,
    })),
  });
}

/**
 * Everything that makes the HTTP application what it is, shared by main.ts and the tests so that
 * the tests exercise exactly what runs in production.
 */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(config.get('TRUST_PROXY')));
  if (!config.get('TRUST_PROXY')) app.use(warnOnceAboutUntrustedProxy());
  app.use((req: Request, res: Response, next: NextFunction) => {
    assignRequestId(req, res);
    next();
  });
  app.use(app.get(MetricsService).httpMiddleware);
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
  // Nothing the service answers is kept by a browser or a shared proxy (pages of signed-in
  // people, JSON with personal or financial data, documents), except the static assets, whose
  // own Cache-Control applies.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/assets/')) res.setHeader('Cache-Control', 'no-store');
    next();
  });
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
