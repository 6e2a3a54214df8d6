import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail and links: the outbox of messages (written in the transaction of their action, sent by
 * the mail worker), single-use invitation and password-reset links (only their hash), and
 * accounts without a password until their invited holder chooses one. A link is used once: a
 * trigger refuses to change it afterwards, or to change what it is for.
 */
export class MailAndAccountLinks1796234390596 implements MigrationInterface {
  name = 'MailAndAccountLinks1796234390596';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "account_link" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" character varying(20) NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_account_link_used" CHECK (used_at IS NULL OR used_at <= expires_at), CONSTRAINT "ck_account_link_hash" CHECK (token_hash ~ '^[0-9a-f]{64}$'), CONSTRAINT "ck_account_link_purpose" CHECK (purpose IN ('INVITATION', 'PASSWORD_RESET')), CONSTRAINT "pk_account_link" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_account_link_user" ON "account_link" ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_account_link_token_hash" ON "account_link" ("token_hash") `,
    );
    await queryRunner.query(
      `CREATE TABLE "outbox_message" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" character varying(30) NOT NULL, "recipient" character varying(254) NOT NULL, "subject" character varying(200) NOT NULL, "text_body" text, "html_body" text, "sensitive" boolean NOT NULL DEFAULT false, "dedupe_key" character varying(200), "status" character varying(10) NOT NULL DEFAULT 'PENDING', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "locked_until" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_outbox_message_body" CHECK (status <> 'PENDING' OR text_body IS NOT NULL), CONSTRAINT "ck_outbox_message_attempts" CHECK (attempts >= 0), CONSTRAINT "ck_outbox_message_sent" CHECK ((status = 'SENT') = (sent_at IS NOT NULL)), CONSTRAINT "ck_outbox_message_status" CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'EXPIRED')), CONSTRAINT "ck_outbox_message_kind" CHECK (kind IN ('INVITATION', 'PASSWORD_RESET', 'CLAIM_SUBMITTED', 'STATEMENT_ISSUED', 'STATEMENT_PAID', 'ACCREDITATION_EXPIRING', 'PROGRAMME_ENDING')), CONSTRAINT "pk_outbox_message" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_message_created" ON "outbox_message" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_message_due" ON "outbox_message" ("next_attempt_at") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_outbox_message_dedupe_key" ON "outbox_message" ("dedupe_key") `,
    );
    await queryRunner.query(`ALTER TABLE "app_user" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "account_link" ADD CONSTRAINT "fk_account_link_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_link" ADD CONSTRAINT "fk_account_link_created_by" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`
      CREATE FUNCTION account_link_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'account_link rows are kept' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF OLD.used_at IS NOT NULL
           OR NEW.user_id <> OLD.user_id OR NEW.purpose <> OLD.purpose OR NEW.token_hash <> OLD.token_hash
           OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at <> OLD.created_at
           OR NEW.expires_at > OLD.expires_at THEN
          RAISE EXCEPTION 'an account link is used once and never extended' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_account_link_guard BEFORE UPDATE OR DELETE ON account_link FOR EACH ROW EXECUTE FUNCTION account_link_guard()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_account_link_guard ON account_link`);
    await queryRunner.query(`DROP FUNCTION account_link_guard()`);
    await queryRunner.query(
      `ALTER TABLE "account_link" DROP CONSTRAINT "fk_account_link_created_by"`,
    );
    await queryRunner.query(`ALTER TABLE "account_link" DROP CONSTRAINT "fk_account_link_user"`);
    await queryRunner.query(`ALTER TABLE "app_user" ALTER COLUMN "password_hash" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "public"."uq_outbox_message_dedupe_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_message_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_outbox_message_created"`);
    await queryRunner.query(`DROP TABLE "outbox_message"`);
    await queryRunner.query(`DROP INDEX "public"."uq_account_link_token_hash"`);
    await queryRunner.query(`DROP INDEX "public"."ix_account_link_user"`);
    await queryRunner.query(`DROP TABLE "account_link"`);
  }
}
