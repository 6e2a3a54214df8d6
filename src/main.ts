import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp, listenWithGracefulStop } from './app.setup';
import { errnoCode, StartupError } from './common/startup-error';
import { AppConfig } from './config/app-config';

/** A failure at start as the one line a person needs: what is wrong, what to do. */
function startupProblem(err: unknown, port: string): StartupError | undefined {
  if (err instanceof StartupError) return err;
  if (errnoCode(err) === 'EADDRINUSE') {
    return new StartupError(
      `port ${port} is already in use`,
      'stop the program that uses it, or choose another port with PORT=…',
    );
  }
  if (errnoCode(err) === 'EACCES' && (err as { syscall?: string }).syscall === 'listen') {
    return new StartupError(
      `port ${port} needs privileges this user does not have`,
      'choose a port above 1023 with PORT=…, behind a reverse proxy',
    );
  }
  return undefined;
}

async function bootstrap(): Promise<void> {
  let app: INestApplication | undefined;
  try {
    // abortOnError false: a failure reaches the catch below; autoFlushLogs false: the framework's
    // own report of it (a stack trace) stays in the buffer, and the one line below is printed.
    const nest = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
      bufferLogs: true,
      autoFlushLogs: false,
      abortOnError: false,
      bodyParser: false,
    });
    app = nest;
    configureApp(nest);
    nest.flushLogs();
    const config = nest.get(AppConfig);
    await listenWithGracefulStop(nest, config.get('PORT'));
    const url = config.get('PUBLIC_BASE_URL');
    process.stdout.write(
      `\n  Pass numérique is running: ${url}\n    API documentation: ${url}/api/docs\n    Health:            ${url}/health\n\n`,
    );
  } catch (err) {
    const problem = startupProblem(err, process.env.PORT ?? '3000');
    const verbose = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '');
    // Close what was opened (the embedded database among it), then say why, last.
    await Promise.race([
      app?.close().catch(() => undefined),
      new Promise((r) => setTimeout(r, 15_000).unref()),
    ]);
    process.stderr.write(
      problem
        ? `\nPass numérique cannot start: ${problem.reason} — ${problem.fix}\n`
        : `\nPass numérique cannot start: ${err instanceof Error ? err.message : String(err)} — start again with LOG_LEVEL=debug to see the details\n`,
    );
    if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
    // The logger writes asynchronously: let it finish, then leave.
    setTimeout(() => process.exit(1), 100).unref();
  }
}

void bootstrap();
