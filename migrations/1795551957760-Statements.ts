import { MigrationInterface, QueryRunner } from 'typeorm';

export class Statements1795551957760 implements MigrationInterface {
  name = 'Statements1795551957760';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "claim" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "association_id" uuid NOT NULL, "up_to" date NOT NULL, "status" character varying(20) NOT NULL, "total_cents" bigint NOT NULL, "redemption_count" integer NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "submitted_at" TIMESTAMP WITH TIME ZONE, "reject_reason" character varying(500), CONSTRAINT "ck_claim_counts" CHECK (redemption_count >= 0), CONSTRAINT "ck_claim_status" CHECK (status IN ('DRAFT', 'SUBMITTED', 'ISSUED', 'REJECTED')), CONSTRAINT "pk_claim" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_claim_association" ON "claim" ("association_id") `);
    await queryRunner.query(
      `CREATE TABLE "statement" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "number" character varying(20) NOT NULL, "year" integer NOT NULL, "seq" integer NOT NULL, "claim_id" uuid NOT NULL, "association_id" uuid NOT NULL, "association_name" character varying(200) NOT NULL, "association_siret" character(14) NOT NULL, "association_address" character varying(420) NOT NULL, "association_iban" character varying(34) NOT NULL, "association_bic" character varying(11), "period_from" date, "period_to" date, "total_cents" bigint NOT NULL, "line_count" integer NOT NULL, "content_hash" character(64) NOT NULL, "status" character varying(20) NOT NULL, "issued_by" uuid NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "approved_by" uuid, "approved_at" TIMESTAMP WITH TIME ZONE, "paid_on" date, "payment_reference" character varying(50), "paid_by" uuid, CONSTRAINT "uq_statement_claim" UNIQUE ("claim_id"), CONSTRAINT "uq_statement_year_seq" UNIQUE ("year", "seq"), CONSTRAINT "uq_statement_number" UNIQUE ("number"), CONSTRAINT "ck_statement_payment" CHECK ((status = 'PAID') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL)), CONSTRAINT "ck_statement_approval" CHECK ((status IN ('APPROVED', 'PAID')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL)), CONSTRAINT "ck_statement_four_eyes" CHECK (approved_by IS NULL OR approved_by <> issued_by), CONSTRAINT "ck_statement_status" CHECK (status IN ('ISSUED', 'APPROVED', 'PAID')), CONSTRAINT "pk_statement" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_statement_association" ON "statement" ("association_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "statement_line" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "statement_id" uuid NOT NULL, "line_no" integer NOT NULL, "redemption_line_id" uuid NOT NULL, "session_date" date NOT NULL, "activity" character varying(120) NOT NULL, "booklet_number" character varying(20) NOT NULL, "cheque_position" integer NOT NULL, "amount_cents" bigint NOT NULL, "corrects_statement_number" character varying(20), CONSTRAINT "uq_statement_line_no" UNIQUE ("statement_id", "line_no"), CONSTRAINT "ck_statement_line_correction" CHECK ((amount_cents < 0) = (corrects_statement_number IS NOT NULL)), CONSTRAINT "ck_statement_line_amount" CHECK (amount_cents <> 0), CONSTRAINT "pk_statement_line" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_statement_line_correction" ON "statement_line" ("redemption_line_id") WHERE amount_cents < 0`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_statement_line_positive" ON "statement_line" ("redemption_line_id") WHERE amount_cents > 0`,
    );
    await queryRunner.query(
      `CREATE TABLE "statement_counter" ("year" integer NOT NULL, "last_seq" integer NOT NULL, CONSTRAINT "pk_statement_counter" PRIMARY KEY ("year"))`,
    );
    await queryRunner.query(`ALTER TABLE "redemption" ADD "claim_id" uuid`);
    await queryRunner.query(`ALTER TABLE "redemption" ADD "reversed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "redemption" ADD "reversed_by" uuid`);
    await queryRunner.query(`ALTER TABLE "redemption" ADD "reverse_reason" character varying(500)`);
    await queryRunner.query(`CREATE INDEX "ix_redemption_claim" ON "redemption" ("claim_id") `);
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "ck_redemption_reversal" CHECK ((status = 'REVERSED') = (reversed_at IS NOT NULL AND reversed_by IS NOT NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "claim" ADD CONSTRAINT "fk_claim_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "claim" ADD CONSTRAINT "fk_claim_created_by" FOREIGN KEY ("created_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "fk_redemption_claim" FOREIGN KEY ("claim_id") REFERENCES "claim"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "redemption" ADD CONSTRAINT "fk_redemption_reversed_by" FOREIGN KEY ("reversed_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement" ADD CONSTRAINT "fk_statement_claim" FOREIGN KEY ("claim_id") REFERENCES "claim"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement" ADD CONSTRAINT "fk_statement_association" FOREIGN KEY ("association_id") REFERENCES "association"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement" ADD CONSTRAINT "fk_statement_issued_by" FOREIGN KEY ("issued_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement" ADD CONSTRAINT "fk_statement_approved_by" FOREIGN KEY ("approved_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement" ADD CONSTRAINT "fk_statement_paid_by" FOREIGN KEY ("paid_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement_line" ADD CONSTRAINT "fk_statement_line_statement" FOREIGN KEY ("statement_id") REFERENCES "statement"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement_line" ADD CONSTRAINT "fk_statement_line_redemption_line" FOREIGN KEY ("redemption_line_id") REFERENCES "redemption_line"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    // Statement lines never change once written.
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_line_immutable BEFORE UPDATE OR DELETE ON statement_line FOR EACH ROW EXECUTE FUNCTION forbid_modification()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_line_no_truncate BEFORE TRUNCATE ON statement_line FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_no_truncate BEFORE TRUNCATE ON statement FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification()`,
    );
    // The canonical text of a statement (header, then one line per statement line), hashed into content_hash.
    await queryRunner.query(`
      CREATE FUNCTION statement_canonical(sid uuid) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_array(s.number, s.association_name, s.association_siret, s.association_iban,
                 s.period_from, s.period_to, s.total_cents::text, s.line_count)::text
               || coalesce((SELECT string_agg(E'\\n' || jsonb_build_array(l.line_no, l.session_date, l.booklet_number,
                   l.cheque_position, l.activity, l.amount_cents::text, l.corrects_statement_number)::text, '' ORDER BY l.line_no)
                 FROM statement_line l WHERE l.statement_id = s.id), '')
          FROM statement s WHERE s.id = sid
      $$`);
    // A statement is frozen at issue: only its hash may be sealed once (in the issuing transaction),
    // then ISSUED → APPROVED → PAID recorded; it is never deleted.
    await queryRunner.query(`
      CREATE FUNCTION statement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on statement is forbidden: statements are immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.number, NEW.year, NEW.seq, NEW.claim_id, NEW.association_id, NEW.association_name, NEW.association_siret, NEW.association_address, NEW.association_iban, NEW.association_bic, NEW.period_from, NEW.period_to, NEW.total_cents, NEW.line_count, NEW.issued_by, NEW.issued_at) IS DISTINCT FROM (OLD.number, OLD.year, OLD.seq, OLD.claim_id, OLD.association_id, OLD.association_name, OLD.association_siret, OLD.association_address, OLD.association_iban, OLD.association_bic, OLD.period_from, OLD.period_to, OLD.total_cents, OLD.line_count, OLD.issued_by, OLD.issued_at) THEN
          RAISE EXCEPTION 'statement % is frozen', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.content_hash IS DISTINCT FROM OLD.content_hash THEN
          IF trim(OLD.content_hash) <> '' OR NEW.status <> OLD.status THEN
            RAISE EXCEPTION 'statement %: its content hash is sealed', OLD.number USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END IF;
        IF NOT ((OLD.status = 'ISSUED' AND NEW.status = 'APPROVED' AND NEW.paid_on IS NULL AND NEW.payment_reference IS NULL)
             OR (OLD.status = 'APPROVED' AND NEW.status = 'PAID' AND NEW.approved_by = OLD.approved_by AND NEW.approved_at = OLD.approved_at)) THEN
          RAISE EXCEPTION 'statement %: % to % is not allowed', OLD.number, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_statement_guard BEFORE UPDATE OR DELETE ON statement FOR EACH ROW EXECUTE FUNCTION statement_guard()`,
    );
    // At commit: the total and line count are those of the lines, and the hash is sealed.
    await queryRunner.query(`
      CREATE FUNCTION statement_check() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total bigint; lines integer; st statement%ROWTYPE;
      BEGIN
        SELECT * INTO st FROM statement WHERE id = NEW.id;
        SELECT coalesce(sum(amount_cents), 0), count(*) INTO total, lines FROM statement_line WHERE statement_id = NEW.id;
        IF total <> st.total_cents OR lines <> st.line_count THEN
          RAISE EXCEPTION 'statement %: total % in % lines, but its lines add up to % in % lines', st.number, st.total_cents, st.line_count, total, lines
            USING ERRCODE = 'check_violation';
        END IF;
        IF trim(st.content_hash) = '' THEN
          RAISE EXCEPTION 'statement %: content hash not sealed', st.number USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE CONSTRAINT TRIGGER trg_statement_check AFTER INSERT ON statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statement_check()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_statement_check ON statement`);
    await queryRunner.query(`DROP FUNCTION statement_check()`);
    await queryRunner.query(`DROP TRIGGER trg_statement_guard ON statement`);
    await queryRunner.query(`DROP FUNCTION statement_guard()`);
    await queryRunner.query(`DROP FUNCTION statement_canonical(uuid)`);
    await queryRunner.query(`DROP TRIGGER trg_statement_no_truncate ON statement`);
    await queryRunner.query(`DROP TRIGGER trg_statement_line_no_truncate ON statement_line`);
    await queryRunner.query(`DROP TRIGGER trg_statement_line_immutable ON statement_line`);
    await queryRunner.query(
      `ALTER TABLE "statement_line" DROP CONSTRAINT "fk_statement_line_redemption_line"`,
    );
    await queryRunner.query(
      `ALTER TABLE "statement_line" DROP CONSTRAINT "fk_statement_line_statement"`,
    );
    await queryRunner.query(`ALTER TABLE "statement" DROP CONSTRAINT "fk_statement_paid_by"`);
    await queryRunner.query(`ALTER TABLE "statement" DROP CONSTRAINT "fk_statement_approved_by"`);
    await queryRunner.query(`ALTER TABLE "statement" DROP CONSTRAINT "fk_statement_issued_by"`);
    await queryRunner.query(`ALTER TABLE "statement" DROP CONSTRAINT "fk_statement_association"`);
    await queryRunner.query(`ALTER TABLE "statement" DROP CONSTRAINT "fk_statement_claim"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP CONSTRAINT "fk_redemption_reversed_by"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP CONSTRAINT "fk_redemption_claim"`);
    await queryRunner.query(`ALTER TABLE "claim" DROP CONSTRAINT "fk_claim_created_by"`);
    await queryRunner.query(`ALTER TABLE "claim" DROP CONSTRAINT "fk_claim_association"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP CONSTRAINT "ck_redemption_reversal"`);
    await queryRunner.query(`DROP INDEX "public"."ix_redemption_claim"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP COLUMN "reverse_reason"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP COLUMN "reversed_by"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP COLUMN "reversed_at"`);
    await queryRunner.query(`ALTER TABLE "redemption" DROP COLUMN "claim_id"`);
    await queryRunner.query(`DROP TABLE "statement_counter"`);
    await queryRunner.query(`DROP INDEX "public"."uq_statement_line_positive"`);
    await queryRunner.query(`DROP INDEX "public"."uq_statement_line_correction"`);
    await queryRunner.query(`DROP TABLE "statement_line"`);
    await queryRunner.query(`DROP INDEX "public"."ix_statement_association"`);
    await queryRunner.query(`DROP TABLE "statement"`);
    await queryRunner.query(`DROP INDEX "public"."ix_claim_association"`);
    await queryRunner.query(`DROP TABLE "claim"`);
  }
}
