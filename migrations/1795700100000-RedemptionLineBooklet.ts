import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each redemption line carries its cheque's booklet, copied by a trigger from cheque_id on every
 * insert or change of cheque, so the indicators join lines to booklets (100,000 rows) instead of
 * going through the cheques (a million). Existing lines are filled in the same migration.
 */
export class RedemptionLineBooklet1795700100000 implements MigrationInterface {
  name = 'RedemptionLineBooklet1795700100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "redemption_line" ADD "booklet_id" uuid`);
    await queryRunner.query(
      `UPDATE redemption_line l SET booklet_id = c.booklet_id FROM cheque c WHERE c.id = l.cheque_id`,
    );
    await queryRunner.query(`ALTER TABLE "redemption_line" ALTER COLUMN "booklet_id" SET NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "ix_redemption_line_booklet" ON "redemption_line" ("booklet_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption_line" ADD CONSTRAINT "fk_redemption_line_booklet" FOREIGN KEY ("booklet_id") REFERENCES "booklet"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`
      CREATE FUNCTION redemption_line_booklet() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT booklet_id INTO NEW.booklet_id FROM cheque WHERE id = NEW.cheque_id;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_redemption_line_booklet BEFORE INSERT OR UPDATE OF cheque_id, booklet_id ON redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_redemption_line_booklet ON redemption_line`);
    await queryRunner.query(`DROP FUNCTION redemption_line_booklet()`);
    await queryRunner.query(
      `ALTER TABLE "redemption_line" DROP CONSTRAINT "fk_redemption_line_booklet"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_redemption_line_booklet"`);
    await queryRunner.query(`ALTER TABLE "redemption_line" DROP COLUMN "booklet_id"`);
  }
}
