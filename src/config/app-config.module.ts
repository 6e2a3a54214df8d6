import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { validateEnv } from './env.validation';

@Global()
@Module({})
export class AppConfigModule {
  /** `overrides` replace environment variables (tests build apps with their own settings). */
  static forRoot(overrides: Record<string, string> = {}): DynamicModule {
    const env = validateEnv({ ...process.env, ...overrides });
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...env })],
        }),
      ],
      providers: [AppConfig],
      exports: [AppConfig],
    };
  }
}
