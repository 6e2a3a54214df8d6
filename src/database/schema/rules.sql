-- The functions and triggers of the database, as the migrations leave them.
-- Generated from a migrated database; checked by test/schema.e2e-spec.ts.
-- After a migration changes one: UPDATE_DATABASE_RULES=1 npx jest test/schema.e2e-spec.ts

-- ==== Functions ====

-- account_link_guard
CREATE OR REPLACE FUNCTION public.account_link_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'account_link rows are kept' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF OLD.used_at IS NOT NULL
           OR NEW.user_id <> OLD.user_id OR NEW.purpose <> OLD.purpose OR NEW.token_hash <> OLD.token_hash
           OR NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.created_at <> OLD.created_at
           OR NEW.expires_at > OLD.expires_at THEN
          RAISE EXCEPTION 'an account link is used once and never extended' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END $function$;

-- audit_chain_guard
CREATE OR REPLACE FUNCTION public.audit_chain_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF TG_OP <> 'UPDATE' OR pg_trigger_depth() < 2 OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 THEN
          RAISE EXCEPTION '% on audit_chain is forbidden: a chain only grows by one event', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $function$;

-- audit_event_canonical
CREATE OR REPLACE FUNCTION public.audit_event_canonical(e audit_event)
 RETURNS text
 LANGUAGE sql
 STABLE
AS $function$
        SELECT jsonb_build_array(
          e.prev_hash, e.id::text, (extract(epoch FROM e.at) * 1000000)::bigint::text,
          e.actor_id, e.actor_role, e.action, e.entity_type, e.entity_id,
          e.before, e.after, e.request_id)::text
      $function$;

-- audit_event_chain
CREATE OR REPLACE FUNCTION public.audit_event_chain()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      DECLARE v_chain smallint;
      BEGIN
        v_chain := nullif(current_setting('pn.audit_chain', true), '')::smallint;
        IF v_chain IS NULL THEN
          v_chain := (txid_current() % 64)::smallint;
          PERFORM set_config('pn.audit_chain', v_chain::text, true);
        END IF;
        SELECT id, seq + 1, head_hash INTO NEW.chain, NEW.seq, NEW.prev_hash
          FROM audit_chain WHERE id = v_chain FOR UPDATE;
        NEW.id := nextval(pg_get_serial_sequence('audit_event', 'id'));
        NEW.hash := encode(sha256(convert_to(audit_event_canonical(NEW), 'UTF8')), 'hex');
        UPDATE audit_chain SET seq = NEW.seq, head_hash = NEW.hash WHERE id = v_chain;
        RETURN NEW;
      END $function$;

-- booklet_guard
CREATE OR REPLACE FUNCTION public.booklet_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF NEW.status <> OLD.status AND NOT (
             (OLD.status = 'IN_STOCK' AND NEW.status IN ('ACTIVE', 'CANCELLED'))
          OR (OLD.status = 'ACTIVE' AND NEW.status = 'CANCELLED')) THEN
          RAISE EXCEPTION 'booklet %: % → % is not a booklet transition', OLD.number, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_booklet_transition';
        END IF;
        IF NEW.site_id IS DISTINCT FROM OLD.site_id AND NOT (OLD.status = 'IN_STOCK' AND NEW.status = 'IN_STOCK') THEN
          RAISE EXCEPTION 'booklet %: only stock moves between sites', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_booklet_site_move';
        END IF;
        IF NEW.cover_token <> OLD.cover_token OR NEW.number <> OLD.number THEN
          RAISE EXCEPTION 'booklet %: its number and cover token never change', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_booklet_identity';
        END IF;
        RETURN NEW;
      END $function$;

-- forbid_modification
CREATE OR REPLACE FUNCTION public.forbid_modification()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        RAISE EXCEPTION '% on % is forbidden: rows are immutable', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $function$;

-- password_setter_guard
CREATE OR REPLACE FUNCTION public.password_setter_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        RAISE EXCEPTION '% on password_setter is forbidden: it is append-only', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $function$;

-- payment_batch_check
CREATE OR REPLACE FUNCTION public.payment_batch_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        PERFORM payment_batch_consistent(NEW.id);
        RETURN NULL;
      END $function$;

-- payment_batch_consistent
CREATE OR REPLACE FUNCTION public.payment_batch_consistent(bid uuid)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- payment_batch_guard
CREATE OR REPLACE FUNCTION public.payment_batch_guard()
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
      END $function$;

-- payment_batch_statement_check
CREATE OR REPLACE FUNCTION public.payment_batch_statement_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        PERFORM payment_batch_consistent(NEW.batch_id);
        RETURN NULL;
      END $function$;

-- payment_batch_statement_guard
CREATE OR REPLACE FUNCTION public.payment_batch_statement_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- programme_open
CREATE OR REPLACE FUNCTION public.programme_open()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- redemption_line_booklet
CREATE OR REPLACE FUNCTION public.redemption_line_booklet()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        SELECT booklet_id INTO NEW.booklet_id FROM cheque WHERE id = NEW.cheque_id;
        RETURN NEW;
      END $function$;

-- redemption_line_booklet_active
CREATE OR REPLACE FUNCTION public.redemption_line_booklet_active()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      DECLARE current varchar;
      BEGIN
        IF NEW.active THEN
          SELECT status INTO current FROM booklet WHERE id = NEW.booklet_id;
          IF current IS DISTINCT FROM 'ACTIVE' THEN
            RAISE EXCEPTION 'cheque % belongs to a booklet %: only the cheques of a booklet handed over can be redeemed', NEW.cheque_id, lower(coalesce(current, 'unknown'))
              USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_redemption_line_booklet_active';
          END IF;
        END IF;
        RETURN NEW;
      END $function$;

-- statement_batch_check
CREATE OR REPLACE FUNCTION public.statement_batch_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- statement_canonical
CREATE OR REPLACE FUNCTION public.statement_canonical(sid uuid)
 RETURNS text
 LANGUAGE sql
 STABLE
AS $function$
        SELECT jsonb_build_array(s.number, s.association_name, s.association_siret, s.association_iban,
                 s.period_from, s.period_to, s.total_cents::text, s.line_count)::text
               || coalesce((SELECT string_agg(E'\n' || jsonb_build_array(l.line_no, l.session_date, l.booklet_number,
                   l.cheque_position, l.activity, l.amount_cents::text, l.corrects_statement_number)::text, '' ORDER BY l.line_no)
                 FROM statement_line l WHERE l.statement_id = s.id), '')
          FROM statement s WHERE s.id = sid
      $function$;

-- statement_check
CREATE OR REPLACE FUNCTION public.statement_check()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- statement_document_insert_guard
CREATE OR REPLACE FUNCTION public.statement_document_insert_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
      END $function$;

-- statement_guard
CREATE OR REPLACE FUNCTION public.statement_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'DELETE on statement is forbidden: statements are immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.number, NEW.year, NEW.seq, NEW.claim_id, NEW.association_id, NEW.association_name, NEW.association_siret, NEW.association_address, NEW.association_iban, NEW.association_bic, NEW.period_from, NEW.period_to, NEW.total_cents, NEW.line_count, NEW.imputations, NEW.issued_by, NEW.issued_at) IS DISTINCT FROM (OLD.number, OLD.year, OLD.seq, OLD.claim_id, OLD.association_id, OLD.association_name, OLD.association_siret, OLD.association_address, OLD.association_iban, OLD.association_bic, OLD.period_from, OLD.period_to, OLD.total_cents, OLD.line_count, OLD.imputations, OLD.issued_by, OLD.issued_at) THEN
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
      END $function$;

-- statement_line_insert_guard
CREATE OR REPLACE FUNCTION public.statement_line_insert_guard()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      DECLARE st statement%ROWTYPE;
      BEGIN
        SELECT * INTO st FROM statement WHERE id = NEW.statement_id;
        IF FOUND AND trim(st.content_hash) <> '' THEN
          RAISE EXCEPTION 'statement % is sealed: no line can be added', st.number USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $function$;

-- user_site_role
CREATE OR REPLACE FUNCTION public.user_site_role()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM app_user WHERE id = NEW.user_id AND role IN ('AGENT', 'PRESCRIBER')) THEN
          RAISE EXCEPTION 'user % is neither an agent nor a prescriber: no site', NEW.user_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_user_site_role';
        END IF;
        RETURN NEW;
      END $function$;

-- ==== Triggers ====

-- on account_link
CREATE TRIGGER trg_account_link_guard BEFORE DELETE OR UPDATE ON public.account_link FOR EACH ROW EXECUTE FUNCTION account_link_guard();
-- on audit_chain
CREATE TRIGGER trg_audit_chain_guard BEFORE DELETE OR UPDATE ON public.audit_chain FOR EACH ROW EXECUTE FUNCTION audit_chain_guard();
CREATE TRIGGER trg_audit_chain_no_truncate BEFORE TRUNCATE ON public.audit_chain FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification();
-- on audit_event
CREATE TRIGGER trg_audit_event_chain BEFORE INSERT ON public.audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
CREATE TRIGGER trg_audit_event_immutable BEFORE DELETE OR UPDATE ON public.audit_event FOR EACH ROW EXECUTE FUNCTION forbid_modification();
CREATE TRIGGER trg_audit_event_no_truncate BEFORE TRUNCATE ON public.audit_event FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification();
-- on booklet
CREATE TRIGGER trg_booklet_guard BEFORE UPDATE ON public.booklet FOR EACH ROW EXECUTE FUNCTION booklet_guard();
-- on password_setter
CREATE TRIGGER trg_password_setter_guard BEFORE DELETE OR UPDATE ON public.password_setter FOR EACH ROW EXECUTE FUNCTION password_setter_guard();
-- on payment_batch
CREATE CONSTRAINT TRIGGER trg_payment_batch_check AFTER INSERT OR UPDATE ON public.payment_batch DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment_batch_check();
CREATE TRIGGER trg_payment_batch_guard BEFORE DELETE OR UPDATE ON public.payment_batch FOR EACH ROW EXECUTE FUNCTION payment_batch_guard();
-- on payment_batch_statement
CREATE CONSTRAINT TRIGGER trg_payment_batch_statement_check AFTER INSERT OR UPDATE ON public.payment_batch_statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payment_batch_statement_check();
CREATE TRIGGER trg_payment_batch_statement_guard BEFORE INSERT OR DELETE OR UPDATE ON public.payment_batch_statement FOR EACH ROW EXECUTE FUNCTION payment_batch_statement_guard();
-- on programme
CREATE TRIGGER trg_programme_closed BEFORE UPDATE ON public.programme FOR EACH ROW EXECUTE FUNCTION programme_open();
-- on redemption
CREATE TRIGGER trg_redemption_programme_open BEFORE UPDATE OF status ON public.redemption FOR EACH ROW EXECUTE FUNCTION programme_open();
-- on redemption_line
CREATE TRIGGER trg_redemption_line_booklet BEFORE INSERT OR UPDATE OF cheque_id, booklet_id ON public.redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet();
CREATE TRIGGER trg_redemption_line_booklet_active BEFORE INSERT OR UPDATE OF active, cheque_id ON public.redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet_active();
CREATE TRIGGER trg_redemption_line_programme_open BEFORE INSERT ON public.redemption_line FOR EACH ROW EXECUTE FUNCTION programme_open();
-- on statement
CREATE CONSTRAINT TRIGGER trg_statement_batch_check AFTER UPDATE OF status ON public.statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statement_batch_check();
CREATE CONSTRAINT TRIGGER trg_statement_check AFTER INSERT ON public.statement DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION statement_check();
CREATE TRIGGER trg_statement_guard BEFORE DELETE OR UPDATE ON public.statement FOR EACH ROW EXECUTE FUNCTION statement_guard();
CREATE TRIGGER trg_statement_no_truncate BEFORE TRUNCATE ON public.statement FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification();
-- on statement_document
CREATE TRIGGER trg_statement_document_immutable BEFORE DELETE OR UPDATE ON public.statement_document FOR EACH ROW EXECUTE FUNCTION forbid_modification();
CREATE TRIGGER trg_statement_document_insert BEFORE INSERT ON public.statement_document FOR EACH ROW EXECUTE FUNCTION statement_document_insert_guard();
CREATE TRIGGER trg_statement_document_no_truncate BEFORE TRUNCATE ON public.statement_document FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification();
-- on statement_line
CREATE TRIGGER trg_statement_line_immutable BEFORE DELETE OR UPDATE ON public.statement_line FOR EACH ROW EXECUTE FUNCTION forbid_modification();
CREATE TRIGGER trg_statement_line_no_truncate BEFORE TRUNCATE ON public.statement_line FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification();
CREATE TRIGGER trg_statement_line_programme_open BEFORE INSERT ON public.statement_line FOR EACH ROW EXECUTE FUNCTION programme_open();
CREATE TRIGGER trg_statement_line_sealed BEFORE INSERT ON public.statement_line FOR EACH ROW EXECUTE FUNCTION statement_line_insert_guard();
-- on user_site
CREATE TRIGGER trg_user_site_role BEFORE INSERT OR UPDATE ON public.user_site FOR EACH ROW EXECUTE FUNCTION user_site_role();
