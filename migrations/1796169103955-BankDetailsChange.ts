import { MigrationInterface, QueryRunner } from 'typeorm';

/** New bank details of an association wait for a second administrator (separation of duties). */
export class BankDetailsChange1796169103955 implements MigrationInterface {
  name = 'BankDetailsChange1796169103955';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "bank_details_change" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "association_id" uuid NOT NULL, "iban" character varying(34) NOT NULL, "bic" character varying(11), "status" character varying(20) NOT NULL, "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_bank_details_change_second_person" CHECK (status <> 'CONFIRMED' OR decided_by <> requested_by), CONSTRAINT "ck_bank_details_change_decision" CHECK ((status = 'PENDING') = (decided_by IS NULL AND decided_at IS NULL)), CONSTRAINT "ck_bank_details_change_status" CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')), CONSTRAINT "pk_bank_details_change" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_bank_details_change_pending" ON "bank_details_change" ("association_id") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" ADD CONSTRAINT "fk_bank_details_change_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" ADD CONSTRAINT "fk_bank_details_change_requested_by" FOREIGN KEY ("requested_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" ADD CONSTRAINT "fk_bank_details_change_decided_by" FOREIGN KEY ("decided_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" DROP CONSTRAINT "fk_bank_details_change_decided_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" DROP CONSTRAINT "fk_bank_details_change_requested_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "bank_details_change" DROP CONSTRAINT "fk_bank_details_change_association"`,
    );
    await queryRunner.query(`DROP INDEX "public"."uq_bank_details_change_pending"`);
    await queryRunner.query(`DROP TABLE "bank_details_change"`);
  }
}
