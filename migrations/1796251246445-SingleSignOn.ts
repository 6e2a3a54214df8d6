import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on through OpenID Connect: identities at a provider linked to accounts (issuer +
 * subject, once per account and provider), sign-ins begun and answered once (only the hash of the
 * browser's key), and access requests from people without an account, waiting for a person.
 */
export class SingleSignOn1796251246445 implements MigrationInterface {
  name = 'SingleSignOn1796251246445';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "external_identity" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "issuer" character varying(300) NOT NULL, "subject" character varying(255) NOT NULL, "user_id" uuid NOT NULL, "email_at_link" character varying(254) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_external_identity" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_external_identity_user" ON "external_identity" ("issuer", "user_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_external_identity_subject" ON "external_identity" ("issuer", "subject") `,
    );
    await queryRunner.query(
      `CREATE TABLE "sso_attempt" ("key_hash" character(64) NOT NULL, "state" character varying(100) NOT NULL, "nonce" character varying(100) NOT NULL, "code_verifier" character varying(100) NOT NULL, "next" character varying(300), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_sso_attempt_key" CHECK (key_hash ~ '^[0-9a-f]{64}$'), CONSTRAINT "pk_sso_attempt" PRIMARY KEY ("key_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_sso_attempt_expires" ON "sso_attempt" ("expires_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "access_request" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "issuer" character varying(300) NOT NULL, "subject" character varying(255) NOT NULL, "email" character varying(254) NOT NULL, "email_verified" boolean NOT NULL, "display_name" character varying(120), "siret" character(14), "association_id" uuid, "status" character varying(10) NOT NULL DEFAULT 'PENDING', "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, "user_id" uuid, "attempts" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_access_request_siret" CHECK (siret IS NULL OR siret ~ '^[0-9]{14}$'), CONSTRAINT "ck_access_request_decided" CHECK ((status = 'PENDING') = (decided_at IS NULL) AND (status = 'GRANTED') = (user_id IS NOT NULL)), CONSTRAINT "ck_access_request_status" CHECK (status IN ('PENDING', 'GRANTED', 'REFUSED')), CONSTRAINT "pk_access_request" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_access_request_association" ON "access_request" ("association_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_access_request_pending" ON "access_request" ("issuer", "subject") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `ALTER TABLE "external_identity" ADD CONSTRAINT "fk_external_identity_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_request" ADD CONSTRAINT "fk_access_request_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_request" ADD CONSTRAINT "fk_access_request_decided_by" FOREIGN KEY ("decided_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_request" ADD CONSTRAINT "fk_access_request_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "access_request" DROP CONSTRAINT "fk_access_request_user"`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_request" DROP CONSTRAINT "fk_access_request_decided_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "access_request" DROP CONSTRAINT "fk_access_request_association"`,
    );
    await queryRunner.query(
      `ALTER TABLE "external_identity" DROP CONSTRAINT "fk_external_identity_user"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_access_request_pending"`);
    await queryRunner.query(`DROP INDEX "public"."ix_access_request_association"`);
    await queryRunner.query(`DROP TABLE "access_request"`);
    await queryRunner.query(`DROP INDEX "public"."ix_sso_attempt_expires"`);
    await queryRunner.query(`DROP TABLE "sso_attempt"`);
    await queryRunner.query(`DROP INDEX "public"."uq_external_identity_subject"`);
    await queryRunner.query(`DROP INDEX "public"."uq_external_identity_user"`);
    await queryRunner.query(`DROP TABLE "external_identity"`);
  }
}
