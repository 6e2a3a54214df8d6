import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, EntityList } from './data-source-options';
import { DatabaseServer } from './database-server';
import { MigrationRunner } from './migration-runner';

@Module({ providers: [DatabaseServer], exports: [DatabaseServer] })
export class DatabaseServerModule {}

@Global()
@Module({})
export class DatabaseModule {
  /** The data source of the application, on the entities the application root lists. */
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        DatabaseServerModule,
        TypeOrmModule.forRootAsync({
          imports: [DatabaseServerModule],
          inject: [DatabaseServer],
          useFactory: async (server: DatabaseServer) => ({
            ...dataSourceOptions(await server.url(), entities),
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [MigrationRunner],
    };
  }
}
