import { MigrationInterface, QueryRunner } from 'typeorm';

export class Redemption1795550747591 implements MigrationInterface {
  name = 'Redemption1795550747591';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_key" ("user_id" uuid NOT NULL, "key" character varying(100) NOT NULL, "request_hash" character(64) NOT NULL, "status" character varying(20) NOT NULL, "response_status" integer, "response_body" json, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_idempotency_key_status" CHECK (status IN ('PENDING', 'COMPLETED')), CONSTRAINT "pk_idempotency_key" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_idempotency_key_created" ON "idempotency_key" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "redemption" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "association_id" uuid NOT NULL, "user_id" uuid NOT NULL, "session_date" date NOT NULL, "activity" character varying(120) NOT NULL, "workshop_price_cents" bigint, "total_cents" bigint NOT NULL, "cheque_count" integer NOT NULL, "note" character varying(500), "status" character varying(20) NOT NULL DEFAULT 'ACTIVE', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "cancelled_at" TIMESTAMP WITH TIME ZONE, "cancelled_by" uuid, "cancel_reason" character varying(500), CONSTRAINT "ck_redemption_cancellation" CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL)), CONSTRAINT "ck_redemption_workshop_price" CHECK (workshop_price_cents IS NULL OR workshop_price_cents >= 0), CONSTRAINT "ck_redemption_total" CHECK (total_cents > 0 AND cheque_count > 0), CONSTRAINT "ck_redemption_status" CHECK (status IN ('ACTIVE', 'CANCELLED', 'REVERSED')), CONSTRAINT "pk_redemption" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_redemption_association_session" ON "redemption" ("association_id", "session_date") `,
    );
    await queryRunner.query(
      `CREATE TABLE "redemption_line" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "redemption_id" uuid NOT NULL, "cheque_id" uuid NOT NULL, "amount_cents" bigint NOT NULL, "active" boolean NOT NULL DEFAULT true, CONSTRAINT "ck_redemption_line_amount" CHECK (amount_cents > 0), CONSTRAINT "pk_redemption_line" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_redemption_line_redemption" ON "redemption_line" ("redemption_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_redemption_line_active_cheque" ON "redemption_line" ("cheque_id") WHERE active`,
    );
    await queryRunner.query(
      `CREATE TABLE "rate_limit_counter" ("key" character varying(200) NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "hits" integer NOT NULL, CONSTRAINT "pk_rate_limit_counter" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_key" ADD CONSTRAINT "fk_idempotency_key_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "fk_redemption_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "fk_redemption_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "fk_redemption_cancelled_by" FOREIGN KEY ("cancelled_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption_line" ADD CONSTRAINT "fk_redemption_line_redemption" FOREIGN KEY ("redemption_id") REFERENCES "redemption"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption_line" ADD CONSTRAINT "fk_redemption_line_cheque" FOREIGN KEY ("cheque_id") REFERENCES "cheque"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "redemption_line" DROP CONSTRAINT "fk_redemption_line_cheque"`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption_line" DROP CONSTRAINT "fk_redemption_line_redemption"`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" DROP CONSTRAINT "fk_redemption_cancelled_by"`,
    );
    await queryRunner.query(`ALTER TABLE "redemption" DROP CONSTRAINT "fk_redemption_user"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP CONSTRAINT "fk_redemption_association"`);
    await queryRunner.query(
      `ALTER TABLE "idempotency_key" DROP CONSTRAINT "fk_idempotency_key_user"`,
    );
    await queryRunner.query(`DROP TABLE "rate_limit_counter"`);
    await queryRunner.query(`DROP INDEX "public"."uq_redemption_line_active_cheque"`);
    await queryRunner.query(`DROP INDEX "public"."ix_redemption_line_redemption"`);
    await queryRunner.query(`DROP TABLE "redemption_line"`);
    await queryRunner.query(`DROP INDEX "public"."ix_redemption_association_session"`);
    await queryRunner.query(`DROP TABLE "redemption"`);
    await queryRunner.query(`DROP INDEX "public"."ix_idempotency_key_created"`);
    await queryRunner.query(`DROP TABLE "idempotency_key"`);
  }
}
