import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment batches (bordereaux): a statement is in at most one batch not cancelled; a batch and its
 * lines are frozen (only PREPARED → APPROVED or PREPARED → CANCELLED, which releases its lines).
 * Separation of duties: everyone who ever chose each account's password, and changes that give administrator
 * powers waiting for a second administrator's confirmation.
 */
export class PaymentBatchesAndAccountChanges1796164572218 implements MigrationInterface {
  name = 'PaymentBatchesAndAccountChanges1796164572218';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "account_change" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "kind" character varying(30) NOT NULL, "password_hash" text, "status" character varying(20) NOT NULL, "requested_by" uuid NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_account_change_password" CHECK ((status = 'PENDING' OR password_hash IS NULL) AND (kind <> 'ADMIN_PASSWORD_RESET' OR status <> 'PENDING' OR password_hash IS NOT NULL) AND (kind <> 'ADMIN_CREATION' OR password_hash IS NULL)), CONSTRAINT "ck_account_change_second_person" CHECK (status <> 'CONFIRMED' OR (decided_by <> requested_by AND decided_by <> user_id)), CONSTRAINT "ck_account_change_decision" CHECK ((status = 'PENDING') = (decided_by IS NULL AND decided_at IS NULL)), CONSTRAINT "ck_account_change_not_self" CHECK (requested_by <> user_id), CONSTRAINT "ck_account_change_status" CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')), CONSTRAINT "ck_account_change_kind" CHECK (kind IN ('ADMIN_CREATION', 'ADMIN_REACTIVATION', 'ADMIN_PASSWORD_RESET')), CONSTRAINT "pk_account_change" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_account_change_pending" ON "account_change" ("user_id") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_batch" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "number" character varying(20) NOT NULL, "year" integer NOT NULL, "seq" integer NOT NULL, "status" character varying(20) NOT NULL, "transfer_count" integer NOT NULL, "total_cents" bigint NOT NULL, "payer_name" character varying(140) NOT NULL, "payer_iban" character varying(34) NOT NULL, "payer_bic" character varying(11), "prepared_by" uuid NOT NULL, "prepared_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "approved_by" uuid, "approved_at" TIMESTAMP WITH TIME ZONE, "execution_date" date, "cancelled_by" uuid, "cancelled_at" TIMESTAMP WITH TIME ZONE, "cancel_reason" character varying(500), CONSTRAINT "uq_payment_batch_year_seq" UNIQUE ("year", "seq"), CONSTRAINT "uq_payment_batch_number" UNIQUE ("number"), CONSTRAINT "ck_payment_batch_cancel" CHECK ((status = 'CANCELLED') = (cancelled_by IS NOT NULL AND cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)), CONSTRAINT "ck_payment_batch_approval" CHECK ((status = 'APPROVED') = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND execution_date IS NOT NULL)), CONSTRAINT "ck_payment_batch_total" CHECK (total_cents > 0 AND transfer_count > 0), CONSTRAINT "ck_payment_batch_four_eyes" CHECK (approved_by IS NULL OR approved_by <> prepared_by), CONSTRAINT "ck_payment_batch_status" CHECK (status IN ('PREPARED', 'APPROVED', 'CANCELLED')), CONSTRAINT "pk_payment_batch" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_batch_statement" ("batch_id" uuid NOT NULL, "statement_id" uuid NOT NULL, "amount_cents" bigint NOT NULL, "released" boolean NOT NULL DEFAULT false, CONSTRAINT "ck_payment_batch_statement_amount" CHECK (amount_cents > 0), CONSTRAINT "pk_payment_batch_statement" PRIMARY KEY ("batch_id", "statement_id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_payment_batch_statement_once" ON "payment_batch_statement" ("statement_id") WHERE NOT released`,
    );
    await queryRunner.query(
      `CREATE TABLE "payment_batch_counter" ("year" integer NOT NULL, "last_seq" integer NOT NULL, CONSTRAINT "pk_payment_batch_counter" PRIMARY KEY ("year"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "password_setter" ("user_id" uuid NOT NULL, "set_by" uuid NOT NULL, "first_set_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_password_setter" PRIMARY KEY ("user_id", "set_by"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "password_setter" ADD CONSTRAINT "fk_password_setter_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "password_setter" ADD CONSTRAINT "fk_password_setter_set_by" FOREIGN KEY ("set_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" ADD CONSTRAINT "fk_account_change_user" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" ADD CONSTRAINT "fk_account_change_requested_by" FOREIGN KEY ("requested_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" ADD CONSTRAINT "fk_account_change_decided_by" FOREIGN KEY ("decided_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "fk_payment_batch_prepared_by" FOREIGN KEY ("prepared_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "fk_payment_batch_approved_by" FOREIGN KEY ("approved_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "fk_payment_batch_cancelled_by" FOREIGN KEY ("cancelled_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch_statement" ADD CONSTRAINT "fk_payment_batch_statement_batch" FOREIGN KEY ("batch_id") REFERENCES "payment_batch"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch_statement" ADD CONSTRAINT "fk_payment_batch_statement_statement" FOREIGN KEY ("statement_id") REFERENCES "statement"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // A batch is frozen once prepared: only its approval or its cancellation is recorded.
    await queryRunner.query(`
      CREATE FUNCTION payment_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on payment_batch is forbidden' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.number, NEW.year, NEW.seq, NEW.transfer_count, NEW.total_cents, NEW.payer_name, NEW.payer_iban, NEW.payer_bic, NEW.prepared_by, NEW.prepared_at)
           IS DISTINCT FROM (OLD.number, OLD.year, OLD.seq, OLD.transfer_count, OLD.total_cents, OLD.payer_name, OLD.payer_iban, OLD.payer_bic, OLD.prepared_by, OLD.prepared_at) THEN
          RAISE EXCEPTION 'payment batch % is frozen', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT (OLD.status = 'PREPARED' AND NEW.status IN ('APPROVED', 'CANCELLED')) THEN
          RAISE EXCEPTION 'payment batch %: % to % is not allowed', OLD.number, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_payment_batch_guard BEFORE UPDATE OR DELETE ON payment_batch FOR EACH ROW EXECUTE FUNCTION payment_batch_guard()`,
    );
    // Its lines are written with it, never changed, only released by its cancellation.
    await queryRunner.query(`
      CREATE FUNCTION payment_batch_statement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE batch_status varchar;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on payment_batch_statement is forbidden' USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT status INTO batch_status FROM payment_batch WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.batch_id ELSE OLD.batch_id END;
        IF TG_OP = 'INSERT' THEN
          IF batch_status <> 'PREPARED' THEN
            RAISE EXCEPTION 'payment batch is %: no statement can be added', batch_status USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NOT EXISTS (SELECT 1 FROM statement WHERE id = NEW.statement_id AND status = 'APPROVED' AND total_cents = NEW.amount_cents) THEN
            RAISE EXCEPTION 'statement % is not approved and unpaid for % cents', NEW.statement_id, NEW.amount_cents
              USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payment_batch_statement_payable';
          END IF;
          RETURN NEW;
        END IF;
        IF (NEW.batch_id, NEW.statement_id, NEW.amount_cents) IS DISTINCT FROM (OLD.batch_id, OLD.statement_id, OLD.amount_cents)
           OR NOT (NEW.released AND NOT OLD.released AND batch_status = 'CANCELLED') THEN
          RAISE EXCEPTION 'payment batch lines are frozen; they are released only by the batch''s cancellation' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_payment_batch_statement_guard BEFORE INSERT OR UPDATE OR DELETE ON payment_batch_statement FOR EACH ROW EXECUTE FUNCTION payment_batch_statement_guard()`,
    );
    // Who ever chose a password is history: never rewritten, never forgotten.
    await queryRunner.query(`
      CREATE FUNCTION password_setter_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on password_setter is forbidden: it is append-only', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_password_setter_guard BEFORE UPDATE OR DELETE ON password_setter FOR EACH ROW EXECUTE FUNCTION password_setter_guard()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER trg_payment_batch_statement_guard ON payment_batch_statement`,
    );
    await queryRunner.query(`DROP FUNCTION payment_batch_statement_guard()`);
    await queryRunner.query(`DROP TRIGGER trg_payment_batch_guard ON payment_batch`);
    await queryRunner.query(`DROP FUNCTION payment_batch_guard()`);
    await queryRunner.query(
      `ALTER TABLE "payment_batch_statement" DROP CONSTRAINT "fk_payment_batch_statement_statement"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch_statement" DROP CONSTRAINT "fk_payment_batch_statement_batch"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" DROP CONSTRAINT "fk_payment_batch_cancelled_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" DROP CONSTRAINT "fk_payment_batch_approved_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_batch" DROP CONSTRAINT "fk_payment_batch_prepared_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" DROP CONSTRAINT "fk_account_change_decided_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" DROP CONSTRAINT "fk_account_change_requested_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_change" DROP CONSTRAINT "fk_account_change_user"`,
    );
    await queryRunner.query(`DROP TRIGGER trg_password_setter_guard ON password_setter`);
    await queryRunner.query(`DROP FUNCTION password_setter_guard()`);
    await queryRunner.query(
      `ALTER TABLE "password_setter" DROP CONSTRAINT "fk_password_setter_set_by"`,
    );
    await queryRunner.query(
      `ALTER TABLE "password_setter" DROP CONSTRAINT "fk_password_setter_user"`,
    );
    await queryRunner.query(`DROP TABLE "password_setter"`);
    await queryRunner.query(`DROP TABLE "payment_batch_counter"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payment_batch_statement_once"`);
    await queryRunner.query(`DROP TABLE "payment_batch_statement"`);
    await queryRunner.query(`DROP TABLE "payment_batch"`);
    await queryRunner.query(`DROP INDEX "public"."uq_account_change_pending"`);
    await queryRunner.query(`DROP TABLE "account_change"`);
  }
}
