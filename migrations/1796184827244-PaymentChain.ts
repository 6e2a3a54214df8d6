import { MigrationInterface, QueryRunner } from 'typeorm';

const STATEMENT_FROZEN = `number, year, seq, claim_id, association_id, association_name, association_siret, association_address, association_iban, association_bic, period_from, period_to, total_cents, line_count, imputations, issued_by, issued_at`;
const frozen = (row: string) =>
  STATEMENT_FROZEN.split(', ')
    .map((c) => `${row}.${c}`)
    .join(', ');

/**
 * The payment chain: statements go APPROVED → IN_BATCH → SENT → PAID with the batch that carries
 * them (the database keeps a statement's status and its live batch's status in step); a batch is
 * sent to the finance department after its approval; statements freeze their budget imputation at
 * issue and their certifier at approval; a payment read back from the finance software records its
 * mandate number (unique); a bank-details change carries its document.
 */
export class PaymentChain1796184827244 implements MigrationInterface {
  name = 'PaymentChain1796184827244';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE "app_user" ADD "job_title" character varying(120)`);
    await q(`ALTER TABLE "bank_details_change" ADD "document" bytea`);
    await q(`ALTER TABLE "bank_details_change" ADD "document_name" character varying(200)`);
    await q(`ALTER TABLE "bank_details_change" ADD "document_type" character varying(50)`);
    await q(`ALTER TABLE "bank_details_change" ADD "document_sha256" character(64)`);
    await q(`ALTER TABLE "programme" ADD "budget_chapter" character varying(10)`);
    await q(`ALTER TABLE "programme" ADD "budget_article" character varying(10)`);
    await q(`ALTER TABLE "programme" ADD "budget_function" character varying(10)`);
    await q(`ALTER TABLE "programme" ADD "budget_service" character varying(20)`);
    await q(`ALTER TABLE "programme" ADD "legal_basis" character varying(200)`);
    await q(`ALTER TABLE "programme" ADD "legal_basis_date" date`);
    await q(`ALTER TABLE "statement" ADD "imputations" jsonb NOT NULL DEFAULT '[]'`);
    await q(`ALTER TABLE "statement" ADD "approver_name" character varying(254)`);
    await q(`ALTER TABLE "statement" ADD "approver_title" character varying(120)`);
    await q(`ALTER TABLE "statement" ADD "mandate_number" character varying(50)`);
    await q(`ALTER TABLE "payment_batch" ADD "mandate_columns" jsonb`);
    await q(`ALTER TABLE "payment_batch" ADD "mandates_sha256" character(64)`);
    await q(`ALTER TABLE "payment_batch" ADD "documents_sha256" character(64)`);
    await q(`ALTER TABLE "payment_batch" ADD "sent_by" uuid`);
    await q(`ALTER TABLE "payment_batch" ADD "sent_at" TIMESTAMP WITH TIME ZONE`);

    // Existing rows into the new model, guards off for the time of it: approved statements name
    // their approver; a batch already approved had its files handed over (SENT); statements follow
    // their live batch.
    await q(`ALTER TABLE statement DISABLE TRIGGER USER`);
    await q(`ALTER TABLE payment_batch DISABLE TRIGGER USER`);
    await q(`ALTER TABLE "statement" DROP CONSTRAINT "ck_statement_status"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_status"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_approval"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_file_hashes"`);
    await q(`UPDATE statement s SET approver_name = coalesce(u.display_name, u.email), approver_title = u.job_title
               FROM app_user u WHERE u.id = s.approved_by`);
    await q(
      `UPDATE payment_batch SET status = 'SENT', sent_by = approved_by, sent_at = approved_at WHERE status = 'APPROVED'`,
    );
    await q(`UPDATE statement s SET status = CASE WHEN b.status = 'SENT' THEN 'SENT' ELSE 'IN_BATCH' END
               FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
              WHERE p.statement_id = s.id AND NOT p.released AND s.status = 'APPROVED'`);
    await q(`ALTER TABLE statement ENABLE TRIGGER USER`);
    await q(`ALTER TABLE payment_batch ENABLE TRIGGER USER`);

    await q(
      `CREATE TABLE "statement_document" ("statement_id" uuid NOT NULL, "content" bytea NOT NULL, "sha256" character(64) NOT NULL, "byte_size" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_statement_document_sha256" CHECK (sha256 ~ '^[0-9a-f]{64}$'), CONSTRAINT "pk_statement_document" PRIMARY KEY ("statement_id"))`,
    );
    await q(
      `ALTER TABLE "statement_document" ADD CONSTRAINT "fk_statement_document_statement" FOREIGN KEY ("statement_id") REFERENCES "statement"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    // a kept document is its bytes (the fingerprint is theirs), of an approved statement, forever
    await q(`
      CREATE FUNCTION statement_document_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.sha256 <> encode(sha256(NEW.content), 'hex') OR NEW.byte_size <> length(NEW.content) THEN
          RAISE EXCEPTION 'statement document: fingerprint or size does not match its content'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_statement_document_content';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM statement WHERE id = NEW.statement_id AND status IN ('APPROVED', 'IN_BATCH', 'SENT', 'PAID')) THEN
          RAISE EXCEPTION 'statement %: only an approved statement has a kept document', NEW.statement_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_statement_document_approved';
        END IF;
        RETURN NEW;
      END $$`);
    await q(
      `CREATE TRIGGER trg_statement_document_insert BEFORE INSERT ON statement_document FOR EACH ROW EXECUTE FUNCTION statement_document_insert_guard()`,
    );
    await q(
      `CREATE TRIGGER trg_statement_document_immutable BEFORE UPDATE OR DELETE ON statement_document FOR EACH ROW EXECUTE FUNCTION forbid_modification()`,
    );
    await q(
      `CREATE TRIGGER trg_statement_document_no_truncate BEFORE TRUNCATE ON statement_document FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification()`,
    );
    await q(
      `CREATE UNIQUE INDEX "uq_statement_mandate_number" ON "statement" ("mandate_number") WHERE mandate_number IS NOT NULL`,
    );
    await q(
      `ALTER TABLE "bank_details_change" ADD CONSTRAINT "ck_bank_details_change_document" CHECK ((document IS NULL) = (document_sha256 IS NULL) AND (document IS NULL) = (document_type IS NULL))`,
    );
    await q(
      `ALTER TABLE "statement" ADD CONSTRAINT "ck_statement_status" CHECK (status IN ('ISSUED', 'APPROVED', 'IN_BATCH', 'SENT', 'PAID'))`,
    );
    await q(`ALTER TABLE "statement" DROP CONSTRAINT "ck_statement_approval"`);
    await q(
      `ALTER TABLE "statement" ADD CONSTRAINT "ck_statement_approval" CHECK ((status IN ('APPROVED', 'IN_BATCH', 'SENT', 'PAID')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND approver_name IS NOT NULL))`,
    );
    await q(
      `ALTER TABLE "statement" ADD CONSTRAINT "ck_statement_mandate" CHECK (mandate_number IS NULL OR status = 'PAID')`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_status" CHECK (status IN ('PREPARED', 'APPROVED', 'SENT', 'CANCELLED'))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_approval" CHECK ((status IN ('APPROVED', 'SENT')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND execution_date IS NOT NULL))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_file_hashes" CHECK ((status IN ('APPROVED', 'SENT')) = (csv_sha256 IS NOT NULL AND xml_sha256 IS NOT NULL) AND (mandates_sha256 IS NULL) = (mandate_columns IS NULL) AND (mandates_sha256 IS NULL OR status IN ('APPROVED', 'SENT')))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_sent" CHECK ((status = 'SENT') = (sent_by IS NOT NULL AND sent_at IS NOT NULL))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "fk_payment_batch_sent_by" FOREIGN KEY ("sent_by") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );

    await q(`
      CREATE OR REPLACE FUNCTION statement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on statement is forbidden: statements are immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (${frozen('NEW')}) IS DISTINCT FROM (${frozen('OLD')}) THEN
          RAISE EXCEPTION 'statement % is frozen', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.content_hash IS DISTINCT FROM OLD.content_hash THEN
          IF trim(OLD.content_hash) <> '' OR NEW.status <> OLD.status THEN
            RAISE EXCEPTION 'statement %: its content hash is sealed', OLD.number USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END IF;
        IF OLD.status = 'ISSUED' AND NEW.status = 'APPROVED' AND NEW.paid_on IS NULL AND NEW.payment_reference IS NULL THEN
          RETURN NEW;
        END IF;
        -- after approval the approval and its certifier stay as they are
        IF (NEW.approved_by, NEW.approved_at, NEW.approver_name, NEW.approver_title)
           IS DISTINCT FROM (OLD.approved_by, OLD.approved_at, OLD.approver_name, OLD.approver_title) THEN
          RAISE EXCEPTION 'statement %: its approval is sealed', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT ((OLD.status, NEW.status) IN (('APPROVED', 'IN_BATCH'), ('IN_BATCH', 'APPROVED'), ('IN_BATCH', 'SENT'), ('APPROVED', 'PAID'), ('SENT', 'PAID'))) THEN
          RAISE EXCEPTION 'statement %: % to % is not allowed', OLD.number, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);

    await q(`
      CREATE OR REPLACE FUNCTION payment_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on payment_batch is forbidden' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.number, NEW.year, NEW.seq, NEW.transfer_count, NEW.total_cents, NEW.payer_name, NEW.payer_iban, NEW.payer_bic, NEW.prepared_by, NEW.prepared_at)
           IS DISTINCT FROM (OLD.number, OLD.year, OLD.seq, OLD.transfer_count, OLD.total_cents, OLD.payer_name, OLD.payer_iban, OLD.payer_bic, OLD.prepared_by, OLD.prepared_at) THEN
          RAISE EXCEPTION 'payment batch % is frozen', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.status = 'PREPARED' AND NEW.status IN ('APPROVED', 'CANCELLED') THEN
          RETURN NEW;
        END IF;
        IF OLD.status NOT IN ('APPROVED', 'SENT') OR NOT (NEW.status = OLD.status OR (OLD.status, NEW.status) = ('APPROVED', 'SENT')) THEN
          RAISE EXCEPTION 'payment batch %: % to % is not allowed', OLD.number, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- once approved, what was approved stays; a fingerprint is written once
        IF (NEW.approved_by, NEW.approved_at, NEW.execution_date, NEW.csv_sha256, NEW.xml_sha256)
             IS DISTINCT FROM (OLD.approved_by, OLD.approved_at, OLD.execution_date, OLD.csv_sha256, OLD.xml_sha256)
           OR (OLD.mandates_sha256 IS NOT NULL AND (NEW.mandates_sha256, NEW.mandate_columns) IS DISTINCT FROM (OLD.mandates_sha256, OLD.mandate_columns))
           OR (OLD.documents_sha256 IS NOT NULL AND NEW.documents_sha256 IS DISTINCT FROM OLD.documents_sha256)
           OR (OLD.status = 'SENT' AND (NEW.sent_by, NEW.sent_at) IS DISTINCT FROM (OLD.sent_by, OLD.sent_at)) THEN
          RAISE EXCEPTION 'payment batch % is approved: its files and steps are sealed', OLD.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);

    await q(`
      CREATE OR REPLACE FUNCTION payment_batch_consistent(bid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE b payment_batch%ROWTYPE; v_total bigint; v_lines integer; v_released integer; v_number varchar;
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
        SELECT s.number INTO v_number FROM payment_batch_statement p JOIN statement s ON s.id = p.statement_id
         WHERE p.batch_id = bid AND NOT p.released
           AND NOT ((b.status IN ('PREPARED', 'APPROVED') AND s.status = 'IN_BATCH') OR (b.status = 'SENT' AND s.status IN ('SENT', 'PAID')))
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'payment batch % is %, but its statement % is not in step', b.number, b.status, v_number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_payment_batch_statement_status';
        END IF;
      END $$`);

    await q(`
      CREATE FUNCTION statement_batch_check() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE v_batch varchar; v_ok boolean;
      BEGIN
        SELECT b.status INTO v_batch FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
         WHERE p.statement_id = NEW.id AND NOT p.released;
        v_ok := CASE NEW.status
                  WHEN 'IN_BATCH' THEN coalesce(v_batch IN ('PREPARED', 'APPROVED'), false)
                  WHEN 'SENT' THEN coalesce(v_batch = 'SENT', false)
                  WHEN 'PAID' THEN v_batch IS NULL OR v_batch = 'SENT'
                  ELSE v_batch IS NULL END;
        IF NOT v_ok THEN
          RAISE EXCEPTION 'statement % is %, but its payment batch is %', NEW.number, NEW.status, coalesce(v_batch, 'none')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_statement_batch_status';
        END IF;
        RETURN NULL;
      END $$`);
    await q(
      `CREATE CONSTRAINT TRIGGER trg_statement_batch_check AFTER UPDATE OF status ON statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statement_batch_check()`,
    );
    // replaced by statement_batch_check: a statement is paid only outside a batch or once it is sent
    await q(`DROP TRIGGER trg_statement_not_paid_in_prepared_batch ON statement`);
    await q(`DROP FUNCTION statement_not_paid_in_prepared_batch()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    // Back to the older model, where a statement in a batch stayed APPROVED and an approved batch
    // was the last step: which step a payment was at is lost.
    await q(`DROP TABLE "statement_document"`);
    await q(`DROP FUNCTION statement_document_insert_guard()`);
    await q(`DROP TRIGGER trg_statement_batch_check ON statement`);
    await q(`DROP FUNCTION statement_batch_check()`);
    await q(`ALTER TABLE statement DISABLE TRIGGER USER`);
    await q(`ALTER TABLE payment_batch DISABLE TRIGGER USER`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_sent"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_status"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_approval"`);
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "ck_payment_batch_file_hashes"`);
    await q(`ALTER TABLE "statement" DROP CONSTRAINT "ck_statement_status"`);
    await q(`ALTER TABLE "statement" DROP CONSTRAINT "ck_statement_approval"`);
    await q(`UPDATE payment_batch SET status = 'APPROVED' WHERE status = 'SENT'`);
    await q(`UPDATE statement SET status = 'APPROVED' WHERE status IN ('IN_BATCH', 'SENT')`);
    await q(`ALTER TABLE statement ENABLE TRIGGER USER`);
    await q(`ALTER TABLE payment_batch ENABLE TRIGGER USER`);
    await q(
      `ALTER TABLE "statement" ADD CONSTRAINT "ck_statement_status" CHECK (status IN ('ISSUED', 'APPROVED', 'PAID'))`,
    );
    await q(
      `ALTER TABLE "statement" ADD CONSTRAINT "ck_statement_approval" CHECK ((status IN ('APPROVED', 'PAID')) = (approved_by IS NOT NULL AND approved_at IS NOT NULL))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_status" CHECK (status IN ('PREPARED', 'APPROVED', 'CANCELLED'))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_approval" CHECK ((status = 'APPROVED') = (approved_by IS NOT NULL AND approved_at IS NOT NULL AND execution_date IS NOT NULL))`,
    );
    await q(
      `ALTER TABLE "payment_batch" ADD CONSTRAINT "ck_payment_batch_file_hashes" CHECK ((status = 'APPROVED') = (csv_sha256 IS NOT NULL AND xml_sha256 IS NOT NULL))`,
    );
    await q(`CREATE OR REPLACE FUNCTION public.statement_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$`);
    await q(`CREATE OR REPLACE FUNCTION public.payment_batch_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$`);
    await q(`CREATE OR REPLACE FUNCTION public.payment_batch_consistent(bid uuid)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
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
      END $function$`);
    await q(`CREATE OR REPLACE FUNCTION public.statement_not_paid_in_prepared_batch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF NEW.status = 'PAID' AND OLD.status <> 'PAID' AND EXISTS (
             SELECT 1 FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
              WHERE p.statement_id = NEW.id AND NOT p.released AND b.status = 'PREPARED') THEN
          RAISE EXCEPTION 'statement % waits in a payment batch not yet approved: it cannot be marked paid', NEW.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_statement_not_paid_in_prepared_batch';
        END IF;
        RETURN NEW;
      END $function$`);
    await q(
      `CREATE TRIGGER trg_statement_not_paid_in_prepared_batch BEFORE UPDATE OF status ON statement FOR EACH ROW EXECUTE FUNCTION statement_not_paid_in_prepared_batch()`,
    );
    await q(`ALTER TABLE "payment_batch" DROP CONSTRAINT "fk_payment_batch_sent_by"`);
    await q(`ALTER TABLE "statement" DROP CONSTRAINT "ck_statement_mandate"`);
    await q(`ALTER TABLE "bank_details_change" DROP CONSTRAINT "ck_bank_details_change_document"`);
    await q(`DROP INDEX "public"."uq_statement_mandate_number"`);
    for (const [table, column] of [
      ['payment_batch', 'sent_at'],
      ['payment_batch', 'sent_by'],
      ['payment_batch', 'documents_sha256'],
      ['payment_batch', 'mandates_sha256'],
      ['payment_batch', 'mandate_columns'],
      ['statement', 'mandate_number'],
      ['statement', 'approver_title'],
      ['statement', 'approver_name'],
      ['statement', 'imputations'],
      ['programme', 'legal_basis_date'],
      ['programme', 'legal_basis'],
      ['programme', 'budget_service'],
      ['programme', 'budget_function'],
      ['programme', 'budget_article'],
      ['programme', 'budget_chapter'],
      ['bank_details_change', 'document_sha256'],
      ['bank_details_change', 'document_type'],
      ['bank_details_change', 'document_name'],
      ['bank_details_change', 'document'],
      ['app_user', 'job_title'],
    ])
      await q(`ALTER TABLE "${table}" DROP COLUMN "${column}"`);
  }
}
