import { MigrationInterface, QueryRunner } from 'typeorm';

/** A payment order (mandat) reference is recorded for one statement only. */

export class PaymentReferenceUnique1796158779927 implements MigrationInterface {
  name = 'PaymentReferenceUnique1796158779927';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_statement_payment_reference" ON "statement" ("payment_reference") WHERE payment_reference IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_statement_payment_reference"`);
  }
}
