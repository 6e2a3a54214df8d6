import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lines could still be inserted into a statement after its issue (UPDATE and DELETE were already
 * refused). A statement's lines are written in its issuing transaction, before its hash is sealed;
 * once sealed, no line can be added.
 */
export class SealedStatementLines1795700000000 implements MigrationInterface {
  name = 'SealedStatementLines1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION statement_line_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE st statement%ROWTYPE;
      BEGIN
        SELECT * INTO st FROM statement WHERE id = NEW.statement_id;
        IF FOUND AND trim(st.content_hash) <> '' THEN
          RAISE EXCEPTION 'statement % is sealed: no line can be added', st.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_line_sealed BEFORE INSERT ON statement_line FOR EACH ROW EXECUTE FUNCTION statement_line_insert_guard()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_statement_line_sealed ON statement_line`);
    await queryRunner.query(`DROP FUNCTION statement_line_insert_guard()`);
  }
}
