import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch's files are fingerprinted at approval; at commit a batch is exactly its lines (total,
 * count; a cancelled batch has released them all, a live one none); a statement is never marked
 * paid while it waits in a batch not yet approved.
 */
export class PaymentFileHashesAndBatchChecks1796169420034 implements MigrationInterface {
  name = 'PaymentFileHashesAndBatchChecks1796169420034';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_batch" ADD "csv_sha256" character(64)`);
    await queryRunner.query(`ALTER TABLE "payment_batch" ADD "xml_sha256" character(64)`);
    await queryRunner.query(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_file_hashes" CHECK ((status = 'APPROVED') = (csv_sha256 IS NOT NULL AND xml_sha256 IS NOT NULL))`,
    );
    await queryRunner.query(`
      CREATE FUNCTION payment_batch_consistent(bid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE b payment_batch%ROWTYPE; v_total bigint; v_lines integer; v_released integer;
      BEGIN
        SELECT * INTO b FROM payment_batch WHERE id = bid;
        SELECT coalesce(sum(amount_cents), 0), count(*)::int, count(*) FILTER (WHERE released)::int
          INTO v_total, v_lines, v_released FROM payment_batch_statement WHERE batch_id = bid;
        IF v_total <> b.total_cents OR v_lines <> b.transfer_count THEN
          RAISE EXCEPTION 'payment batch %: % lines for % cents, but it says % for %', b.number, v_lines, v_total, b.transfer_count, b.total_cents
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payment_batch_lines';
        END IF;
        IF (b.status = 'CANCELLED') <> (v_released = v_lines) OR (b.status <> 'CANCELLED' AND v_released > 0) THEN
          RAISE EXCEPTION 'payment batch % (%): its lines are released exactly when it is cancelled', b.number, b.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payment_batch_lines';
        END IF;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION payment_batch_check() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM payment_batch_consistent(NEW.id);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION payment_batch_statement_check() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM payment_batch_consistent(NEW.batch_id);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE CONSTRAINT TRIGGER trg_payment_batch_check AFTER INSERT OR UPDATE ON payment_batch DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment_batch_check()`,
    );
    await queryRunner.query(
      `CREATE CONSTRAINT TRIGGER trg_payment_batch_statement_check AFTER INSERT OR UPDATE ON payment_batch_statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment_batch_statement_check()`,
    );
    await queryRunner.query(`
      CREATE FUNCTION statement_not_paid_in_prepared_batch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'PAID' AND OLD.status <> 'PAID' AND EXISTS (
             SELECT 1 FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
              WHERE p.statement_id = NEW.id AND NOT p.released AND b.status = 'PREPARED') THEN
          RAISE EXCEPTION 'statement % waits in a payment batch not yet approved: it cannot be marked paid', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_statement_not_paid_in_prepared_batch';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_not_paid_in_prepared_batch BEFORE UPDATE OF status ON statement FOR EACH ROW EXECUTE FUNCTION statement_not_paid_in_prepared_batch()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_statement_not_paid_in_prepared_batch ON statement`);
    await queryRunner.query(`DROP FUNCTION statement_not_paid_in_prepared_batch()`);
    await queryRunner.query(
      `DROP TRIGGER trg_payment_batch_statement_check ON payment_batch_statement`,
    );
    await queryRunner.query(`DROP TRIGGER trg_payment_batch_check ON payment_batch`);
    await queryRunner.query(`DROP FUNCTION payment_batch_statement_check()`);
    await queryRunner.query(`DROP FUNCTION payment_batch_check()`);
    await queryRunner.query(`DROP FUNCTION payment_batch_consistent(uuid)`);
    await queryRunner.query(
      `ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_file_hashes"`,
    );
    await queryRunner.query(`ALTER TABLE "payment_batch" DROP COLUMN "xml_sha256"`);
    await queryRunner.query(`ALTER TABLE "payment_batch" DROP COLUMN "csv_sha256"`);
  }
}
