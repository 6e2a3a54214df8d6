import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The database's own guarantee that a cheque of a cancelled booklet (lost, stolen, damaged) is
 * never redeemed: an active redemption line cannot be written for it, whatever the code does.
 * Redemptions made before the cancellation keep their lines (they were valid, and are paid).
 */
export class NoRedemptionOfCancelledBooklet1795800000000 implements MigrationInterface {
  name = 'NoRedemptionOfCancelledBooklet1795800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION redemption_line_booklet_not_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.active AND EXISTS (SELECT 1 FROM booklet WHERE id = NEW.booklet_id AND status = 'CANCELLED') THEN
          RAISE EXCEPTION 'cheque % belongs to a cancelled booklet: it cannot be redeemed', NEW.cheque_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_redemption_line_booklet_not_cancelled';
        END IF;
        RETURN NEW;
      END $$`);
    // Named after trg_redemption_line_booklet, so it fires after that one has filled booklet_id.
    await queryRunner.query(
      `CREATE TRIGGER trg_redemption_line_booklet_not_cancelled BEFORE INSERT OR UPDATE OF active, cheque_id ON redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet_not_cancelled()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER trg_redemption_line_booklet_not_cancelled ON redemption_line`,
    );
    await queryRunner.query(`DROP FUNCTION redemption_line_booklet_not_cancelled()`);
  }
}
