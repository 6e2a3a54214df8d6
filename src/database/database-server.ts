import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RunningDatabase, startEmbeddedPostgres } from './embedded/embedded-postgres';
import { checkConnection } from './preflight';

/**
 * Where the database is: DATABASE_URL when set, otherwise an embedded PostgreSQL cluster kept
 * under DATA_DIR, started on first use and stopped after the application's own connections close.
 */
@Injectable()
export class DatabaseServer implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseServer.name);
  private embedded?: Promise<RunningDatabase>;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async url(): Promise<string> {
    const external = this.config.get('DATABASE_URL');
    if (external) {
      await checkConnection(external, this.config.get('DATABASE_CONNECT_WAIT_SECONDS') * 1000);
      return external;
    }
    let where = '';
    this.embedded ??= startEmbeddedPostgres({
      dataDir: this.config.get('DATA_DIR'),
      systemDir: this.config.get('EMBEDDED_SYSTEM_DIR'),
      log: (m) => this.logger.debug(m.trim()),
      onLocation: (at) => {
        where = at.relocated
          ? `${at.clusterDir} (the postgres user cannot reach DATA_DIR)`
          : at.clusterDir;
        if (at.programsCopy) where += `, its programs in ${at.programsCopy}`;
      },
    }).then((db) => {
      this.logger.log(`Embedded PostgreSQL running, its files in ${where}`);
      return db;
    });
    return (await this.embedded).url;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.embedded) return;
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource?.isInitialized) await dataSource.destroy();
    await (await this.embedded).stop();
    this.logger.log('Embedded PostgreSQL stopped');
  }
}
