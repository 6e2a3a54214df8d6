import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closing a programme: after its claim deadline and once everything is settled, an administrator
 * closes it; its report's figures are frozen on the row, and the database refuses any new
 * redemption line, statement line or reversal of its cheques from then on.
 */
export class ProgrammeClosing1796205000000 implements MigrationInterface {
  name = 'ProgrammeClosing1796205000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE "programme" ADD "closed_at" TIMESTAMP WITH TIME ZONE`);
    await q(`ALTER TABLE "programme" ADD "closed_by" uuid`);
    await q(`ALTER TABLE "programme" ADD "closing_report" jsonb`);
    await q(
      `ALTER TABLE "programme" ADD CONSTRAINT "fk_programme_closed_by" FOREIGN KEY ("closed_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await q(
      `ALTER TABLE "programme" ADD CONSTRAINT "ck_programme_closing" CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (closing_report IS NULL))`,
    );
    await q(`
      CREATE FUNCTION programme_open() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE closed varchar;
      BEGIN
        IF TG_TABLE_NAME = 'redemption_line' THEN
          SELECT p.name INTO closed FROM booklet b JOIN programme p ON p.id = b.programme_id
           WHERE b.id = NEW.booklet_id AND p.closed_at IS NOT NULL;
        ELSIF TG_TABLE_NAME = 'statement_line' THEN
          SELECT p.name INTO closed FROM redemption_line l JOIN booklet b ON b.id = l.booklet_id
            JOIN programme p ON p.id = b.programme_id WHERE l.id = NEW.redemption_line_id AND p.closed_at IS NOT NULL;
        ELSIF TG_TABLE_NAME = 'redemption' THEN
          IF NEW.status IS NOT DISTINCT FROM OLD.status THEN RETURN NEW; END IF;
          SELECT p.name INTO closed FROM redemption_line l JOIN booklet b ON b.id = l.booklet_id
            JOIN programme p ON p.id = b.programme_id WHERE l.redemption_id = NEW.id AND p.closed_at IS NOT NULL LIMIT 1;
        ELSIF TG_TABLE_NAME = 'programme' THEN
          IF OLD.closed_at IS NOT NULL THEN closed := OLD.name; END IF;
        END IF;
        IF closed IS NOT NULL THEN
          RAISE EXCEPTION 'programme % is closed: nothing of it changes any more', closed
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_programme_open';
        END IF;
        RETURN NEW;
      END $$`);
    await q(
      `CREATE TRIGGER trg_redemption_line_programme_open BEFORE INSERT ON redemption_line FOR EACH ROW EXECUTE FUNCTION programme_open()`,
    );
    await q(
      `CREATE TRIGGER trg_statement_line_programme_open BEFORE INSERT ON statement_line FOR EACH ROW EXECUTE FUNCTION programme_open()`,
    );
    await q(
      `CREATE TRIGGER trg_redemption_programme_open BEFORE UPDATE OF status ON redemption FOR EACH ROW EXECUTE FUNCTION programme_open()`,
    );
    // a closed programme's row (its budget, its dates, its report) never changes again
    await q(
      `CREATE TRIGGER trg_programme_closed BEFORE UPDATE ON programme FOR EACH ROW EXECUTE FUNCTION programme_open()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP TRIGGER trg_programme_closed ON programme`);
    await q(`DROP TRIGGER trg_redemption_programme_open ON redemption`);
    await q(`DROP TRIGGER trg_statement_line_programme_open ON statement_line`);
    await q(`DROP TRIGGER trg_redemption_line_programme_open ON redemption_line`);
    await q(`DROP FUNCTION programme_open()`);
    await q(`ALTER TABLE "programme" DROP CONSTRAINT "ck_programme_closing"`);
    await q(`ALTER TABLE "programme" DROP CONSTRAINT "fk_programme_closed_by"`);
    await q(`ALTER TABLE "programme" DROP COLUMN "closing_report"`);
    await q(`ALTER TABLE "programme" DROP COLUMN "closed_by"`);
    await q(`ALTER TABLE "programme" DROP COLUMN "closed_at"`);
  }
}
