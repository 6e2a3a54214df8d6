import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { UsersService } from './users.service';
import { ADVISORY_LOCKS } from '../database/advisory-locks';

const FIRST_ADMIN_LOCK = ADVISORY_LOCKS.firstAdmin;

/**
 * When no user exists, creates the first administrator: from ADMIN_EMAIL/ADMIN_PASSWORD, or,
 * outside production, admin@localhost with a random password printed once on the console.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdmin.name);

  constructor(
    private readonly users: UsersService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [FIRST_ADMIN_LOCK]);
      if ((await this.users.count()) > 0) return;
      await this.createFirstAdmin();
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock($1)', [FIRST_ADMIN_LOCK])
        .catch(() => undefined);
      await runner.release();
    }
  }

  private async createFirstAdmin(): Promise<void> {
    const email = this.config.get('ADMIN_EMAIL');
    const password = this.config.get('ADMIN_PASSWORD');
    if (email && password) {
      await this.users.create(null, {
        email,
        password,
        role: 'ADMIN',
        displayName: 'Administrateur',
      });
      this.logger.log(`First administrator created: ${email} (password from ADMIN_PASSWORD)`);
      return;
    }
    if (this.config.isProduction) {
      this.logger.error(
        'No user exists: set ADMIN_EMAIL and ADMIN_PASSWORD to create the first administrator.',
      );
      return;
    }
    const generated = randomBytes(12).toString('base64url');
    const adminEmail = email ?? 'admin@localhost';
    await this.users.create(null, {
      email: adminEmail,
      password: generated,
      role: 'ADMIN',
      displayName: 'Administrateur',
    });
    // Printed once, on purpose, on the console of the person who started the service.
    process.stdout.write(
      `\n  First administrator created\n    e-mail:   ${adminEmail}\n    password: ${generated}\n  Change it after your first login (PATCH /api/users/:id).\n\n`,
    );
  }
}
