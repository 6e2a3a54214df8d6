import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  const config = app.get(AppConfig);
  await app.listen(config.get('PORT'));
  const url = config.get('PUBLIC_BASE_URL');
  process.stdout.write(
    `\n  Pass numérique is running: ${url}\n    API documentation: ${url}/api/docs\n    Health:            ${url}/health\n\n`,
  );
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
