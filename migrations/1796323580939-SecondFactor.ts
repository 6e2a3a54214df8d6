import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A second factor: TOTP authenticators (confirmed ones only, secret sealed, last step used),
 * their recovery codes (hashes, used once, gone with the factor), and sign-ins halfway between
 * the password and the code; a message telling an account's owner that its second factor
 * changed; an administrator's second factor reset by another waits for a second administrator
 * (account_change); a provider identity remembers when it passed this service's second factor.
 * The sessions of administrators, who must now have one, end: their next sign-in sets
 * it up. The single sign-on attempt's `used_at` goes: an answered attempt is deleted.
 */
export class SecondFactor1796323580939 implements MigrationInterface {
  name = 'SecondFactor1796323580939';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "totp_factor" ("user_id" uuid NOT NULL, "sealed_secret" text NOT NULL, "confirmed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_step" bigint NOT NULL, CONSTRAINT "ck_totp_factor_sealed" CHECK (sealed_secret ~ '^v1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$'), CONSTRAINT "ck_totp_factor_step" CHECK (last_step >= 0), CONSTRAINT "pk_totp_factor" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "recovery_code" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "code_hash" character(64) NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_recovery_code_hash" CHECK (code_hash ~ '^[0-9a-f]{64}$'), CONSTRAINT "pk_recovery_code" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_recovery_code" ON "recovery_code" ("user_id", "code_hash") `,
    );
    await queryRunner.query(
      `CREATE TABLE "login_challenge" ("key_hash" character(64) NOT NULL, "user_id" uuid NOT NULL, "purpose" character varying(10) NOT NULL, "via" character varying(10) NOT NULL, "token_version" integer NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next" character varying(300), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "ck_login_challenge_attempts" CHECK (attempts BETWEEN 0 AND 5), CONSTRAINT "ck_login_challenge_via" CHECK (via IN ('password', 'sso')), CONSTRAINT "ck_login_challenge_purpose" CHECK (purpose IN ('VERIFY', 'ENROL')), CONSTRAINT "ck_login_challenge_key" CHECK (key_hash ~ '^[0-9a-f]{64}$'), CONSTRAINT "pk_login_challenge" PRIMARY KEY ("key_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_login_challenge_user" ON "login_challenge" ("user_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_login_challenge_expires" ON "login_challenge" ("expires_at") `,
    );
    await queryRunner.query(`ALTER TABLE "sso_attempt" DROP COLUMN "used_at"`);
    await queryRunner.query(
      `ALTER TABLE "external_identity" ADD "second_step_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "totp_factor" ADD CONSTRAINT "fk_totp_factor_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "recovery_code" ADD CONSTRAINT "fk_recovery_code_factor" FOREIGN KEY ("user_id") REFERENCES "totp_factor"("user_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "login_challenge" ADD CONSTRAINT "fk_login_challenge_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // (TypeORM does not compare check constraints: the kinds of messages and of account changes, by hand)
    await queryRunner.query(
      `ALTER TABLE "outbox_message" DROP CONSTRAINT "ck_outbox_message_kind"`,
    );
    await queryRunner.query(
      `ALTER TABLE "outbox_message" ADD CONSTRAINT "ck_outbox_message_kind" CHECK (kind IN ('INVITATION', 'PASSWORD_RESET', 'CLAIM_SUBMITTED', 'STATEMENT_ISSUED', 'STATEMENT_PAID', 'ACCREDITATION_EXPIRING', 'PROGRAMME_ENDING', 'SECOND_FACTOR_CHANGED'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" DROP CONSTRAINT "ck_account_change_kind"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" ADD CONSTRAINT "ck_account_change_kind" CHECK (kind IN ('ADMIN_CREATION', 'ADMIN_REACTIVATION', 'ADMIN_PASSWORD_RESET', 'ADMIN_SECOND_FACTOR_RESET'))`,
    );
    await queryRunner.query(
      `UPDATE "app_user" SET "token_version" = "token_version" + 1 WHERE "role" = 'ADMIN'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "account_change" WHERE "kind" = 'ADMIN_SECOND_FACTOR_RESET'`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" DROP CONSTRAINT "ck_account_change_kind"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" ADD CONSTRAINT "ck_account_change_kind" CHECK (kind IN ('ADMIN_CREATION', 'ADMIN_REACTIVATION', 'ADMIN_PASSWORD_RESET'))`,
    );
    await queryRunner.query(`DELETE FROM "outbox_message" WHERE "kind" = 'SECOND_FACTOR_CHANGED'`);
    await queryRunner.query(
      `ALTER TABLE "outbox_message" DROP CONSTRAINT "ck_outbox_message_kind"`,
    );
    await queryRunner.query(
      `ALTER TABLE "outbox_message" ADD CONSTRAINT "ck_outbox_message_kind" CHECK (kind IN ('INVITATION', 'PASSWORD_RESET', 'CLAIM_SUBMITTED', 'STATEMENT_ISSUED', 'STATEMENT_PAID', 'ACCREDITATION_EXPIRING', 'PROGRAMME_ENDING'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "login_challenge" DROP CONSTRAINT "fk_login_challenge_user"`,
    );
    await queryRunner.query(
      `ALTER TABLE "recovery_code" DROP CONSTRAINT "fk_recovery_code_factor"`,
    );
    await queryRunner.query(`ALTER TABLE "totp_factor" DROP CONSTRAINT "fk_totp_factor_user"`);
    await queryRunner.query(`ALTER TABLE "external_identity" DROP COLUMN "second_step_at"`);
    await queryRunner.query(`ALTER TABLE "sso_attempt" ADD "used_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`DROP INDEX "public"."ix_login_challenge_expires"`);
    await queryRunner.query(`DROP INDEX "public"."ix_login_challenge_user"`);
    await queryRunner.query(`DROP TABLE "login_challenge"`);
    await queryRunner.query(`DROP INDEX "public"."uq_recovery_code"`);
    await queryRunner.query(`DROP TABLE "recovery_code"`);
    await queryRunner.query(`DROP TABLE "totp_factor"`);
  }
}
