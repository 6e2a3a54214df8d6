import { MigrationInterface, QueryRunner } from 'typeorm';

export class Issuance1795549211737 implements MigrationInterface {
  name = 'Issuance1795549211737';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "association" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "siret" character(14) NOT NULL, "address" character varying(300) NOT NULL, "postal_code" character(5) NOT NULL, "city" character varying(100) NOT NULL, "email" character varying(254) NOT NULL, "phone" character varying(30), "iban" character varying(34) NOT NULL, "bic" character varying(11), "activities" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_association_siret" UNIQUE ("siret"), CONSTRAINT "ck_association_postal_code" CHECK (postal_code ~ '^[0-9]{5}$'), CONSTRAINT "ck_association_siret" CHECK (siret ~ '^[0-9]{14}$'), CONSTRAINT "pk_association" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "accreditation" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "association_id" uuid NOT NULL, "valid_from" date NOT NULL, "valid_until" date NOT NULL, "status" character varying(20) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_accreditation_status" CHECK (status IN ('ACTIVE', 'SUSPENDED', 'REVOKED')), CONSTRAINT "ck_accreditation_period" CHECK (valid_from <= valid_until), CONSTRAINT "pk_accreditation" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_accreditation_association" ON "accreditation" ("association_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "accreditation_decision" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "accreditation_id" uuid NOT NULL, "action" character varying(20) NOT NULL, "reason" character varying(500), "decided_by" uuid NOT NULL, "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_accreditation_decision_action" CHECK (action IN ('GRANTED', 'SUSPENDED', 'REINSTATED', 'REVOKED')), CONSTRAINT "pk_accreditation_decision" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_accreditation_decision_accreditation" ON "accreditation_decision" ("accreditation_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "beneficiary" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "reference" character varying(40) NOT NULL, "postal_code" character(5) NOT NULL, "age_band" character varying(20), "need_category" character varying(30), "first_name" character varying(100), "last_name" character varying(100), "erased_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_beneficiary_reference" UNIQUE ("reference"), CONSTRAINT "ck_beneficiary_postal_code" CHECK (postal_code ~ '^[0-9]{5}$'), CONSTRAINT "pk_beneficiary" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "programme" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "departement_code" character varying(3) NOT NULL, "departement_name" character varying(100) NOT NULL, "face_value_cents" bigint NOT NULL, "cheques_per_booklet" integer NOT NULL, "valid_from" date NOT NULL, "expires_on" date NOT NULL, "claim_deadline" date NOT NULL, "budget_cents" bigint NOT NULL, "committed_cents" bigint NOT NULL DEFAULT '0', "activities" jsonb NOT NULL, "allow_beneficiary_names" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_programme_departement_code" CHECK (departement_code ~ '^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$'), CONSTRAINT "ck_programme_committed_within_budget" CHECK (committed_cents <= budget_cents), CONSTRAINT "ck_programme_budget" CHECK (budget_cents >= 0 AND committed_cents >= 0), CONSTRAINT "ck_programme_dates" CHECK (valid_from <= expires_on AND expires_on <= claim_deadline), CONSTRAINT "ck_programme_cheques_per_booklet" CHECK (cheques_per_booklet BETWEEN 1 AND 50), CONSTRAINT "ck_programme_face_value" CHECK (face_value_cents > 0), CONSTRAINT "pk_programme" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "print_batch" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "programme_id" uuid NOT NULL, "booklet_count" integer NOT NULL, "distribution_site" character varying(200) NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_print_batch_count" CHECK (booklet_count BETWEEN 1 AND 10000), CONSTRAINT "pk_print_batch" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_print_batch_programme" ON "print_batch" ("programme_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "booklet_counter" ("departement_code" character varying(3) NOT NULL, "year" integer NOT NULL, "last_seq" integer NOT NULL, CONSTRAINT "pk_booklet_counter" PRIMARY KEY ("departement_code", "year"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "booklet" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "number" character varying(20) NOT NULL, "programme_id" uuid NOT NULL, "beneficiary_id" uuid, "batch_id" uuid, "status" character varying(20) NOT NULL DEFAULT 'ACTIVE', "cheque_count" integer NOT NULL, "face_value_cents" bigint NOT NULL, "replaces_booklet_id" uuid, "issued_by" uuid NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "cancel_reason" character varying(20), "cancel_comment" character varying(500), "cancelled_at" TIMESTAMP WITH TIME ZONE, "cancelled_by" uuid, CONSTRAINT "uq_booklet_replaces" UNIQUE ("replaces_booklet_id"), CONSTRAINT "uq_booklet_number" UNIQUE ("number"), CONSTRAINT "ck_booklet_cheque_count" CHECK (cheque_count BETWEEN 1 AND 50), CONSTRAINT "ck_booklet_cancellation" CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL AND cancelled_by IS NOT NULL)), CONSTRAINT "ck_booklet_cancel_reason" CHECK (cancel_reason IN ('LOST', 'STOLEN', 'DAMAGED', 'OTHER')), CONSTRAINT "ck_booklet_status" CHECK (status IN ('ACTIVE', 'CANCELLED')), CONSTRAINT "pk_booklet" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_booklet_beneficiary" ON "booklet" ("beneficiary_id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_booklet_batch" ON "booklet" ("batch_id") `);
    await queryRunner.query(`CREATE INDEX "ix_booklet_programme" ON "booklet" ("programme_id") `);
    await queryRunner.query(
      `CREATE TABLE "cheque" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "booklet_id" uuid NOT NULL, "position" integer NOT NULL, "code" character(14) NOT NULL, "face_value_cents" bigint NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'ISSUED', CONSTRAINT "uq_cheque_booklet_position" UNIQUE ("booklet_id", "position"), CONSTRAINT "uq_cheque_code" UNIQUE ("code"), CONSTRAINT "ck_cheque_code" CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{14}$'), CONSTRAINT "ck_cheque_face_value" CHECK (face_value_cents > 0), CONSTRAINT "ck_cheque_position" CHECK (position >= 1), CONSTRAINT "ck_cheque_status" CHECK (status IN ('ISSUED', 'REDEEMED', 'CANCELLED')), CONSTRAINT "pk_cheque" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_app_user_association" ON "app_user" ("association_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD CONSTRAINT "ck_app_user_association" CHECK ((role = 'ASSOCIATION') = (association_id IS NOT NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "app_user" ADD CONSTRAINT "fk_app_user_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "accreditation" ADD CONSTRAINT "fk_accreditation_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "accreditation_decision" ADD CONSTRAINT "fk_accreditation_decision_accreditation" FOREIGN KEY ("accreditation_id") REFERENCES "accreditation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "accreditation_decision" ADD CONSTRAINT "fk_accreditation_decision_user" FOREIGN KEY ("decided_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "print_batch" ADD CONSTRAINT "fk_print_batch_programme" FOREIGN KEY ("programme_id") REFERENCES "programme"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "print_batch" ADD CONSTRAINT "fk_print_batch_user" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_programme" FOREIGN KEY ("programme_id") REFERENCES "programme"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_beneficiary" FOREIGN KEY ("beneficiary_id") REFERENCES "beneficiary"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_batch" FOREIGN KEY ("batch_id") REFERENCES "print_batch"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_replaces" FOREIGN KEY ("replaces_booklet_id") REFERENCES "booklet"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_issued_by" FOREIGN KEY ("issued_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "booklet" ADD CONSTRAINT "fk_booklet_cancelled_by" FOREIGN KEY ("cancelled_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cheque" ADD CONSTRAINT "fk_cheque_booklet" FOREIGN KEY ("booklet_id") REFERENCES "booklet"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cheque" DROP CONSTRAINT "fk_cheque_booklet"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_cancelled_by"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_issued_by"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_replaces"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_batch"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_beneficiary"`);
    await queryRunner.query(`ALTER TABLE "booklet" DROP CONSTRAINT "fk_booklet_programme"`);
    await queryRunner.query(`ALTER TABLE "print_batch" DROP CONSTRAINT "fk_print_batch_user"`);
    await queryRunner.query(`ALTER TABLE "print_batch" DROP CONSTRAINT "fk_print_batch_programme"`);
    await queryRunner.query(
      `ALTER TABLE "accreditation_decision" DROP CONSTRAINT "fk_accreditation_decision_user"`,
    );
    await queryRunner.query(
      `ALTER TABLE "accreditation_decision" DROP CONSTRAINT "fk_accreditation_decision_accreditation"`,
    );
    await queryRunner.query(
      `ALTER TABLE "accreditation" DROP CONSTRAINT "fk_accreditation_association"`,
    );
    await queryRunner.query(`ALTER TABLE "app_user" DROP CONSTRAINT "fk_app_user_association"`);
    await queryRunner.query(`ALTER TABLE "app_user" DROP CONSTRAINT "ck_app_user_association"`);
    await queryRunner.query(`DROP INDEX "public"."ix_app_user_association"`);
    await queryRunner.query(`DROP TABLE "cheque"`);
    await queryRunner.query(`DROP INDEX "public"."ix_booklet_programme"`);
    await queryRunner.query(`DROP INDEX "public"."ix_booklet_batch"`);
    await queryRunner.query(`DROP INDEX "public"."ix_booklet_beneficiary"`);
    await queryRunner.query(`DROP TABLE "booklet"`);
    await queryRunner.query(`DROP TABLE "booklet_counter"`);
    await queryRunner.query(`DROP INDEX "public"."ix_print_batch_programme"`);
    await queryRunner.query(`DROP TABLE "print_batch"`);
    await queryRunner.query(`DROP TABLE "programme"`);
    await queryRunner.query(`DROP TABLE "beneficiary"`);
    await queryRunner.query(`DROP INDEX "public"."ix_accreditation_decision_accreditation"`);
    await queryRunner.query(`DROP TABLE "accreditation_decision"`);
    await queryRunner.query(`DROP INDEX "public"."ix_accreditation_association"`);
    await queryRunner.query(`DROP TABLE "accreditation"`);
    await queryRunner.query(`DROP TABLE "association"`);
  }
}
