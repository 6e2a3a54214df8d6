import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail without one lock for the whole system: events are spread over 64 hash chains
 * (audit_chain holds each chain's count and latest hash). A transaction appends all its events
 * to one chain, chosen from its transaction id and kept for the transaction
 * (`pn.audit_chain`), under that chain's row lock: two transactions on different chains never
 * wait for each other, and a transaction holds at most one chain lock, so chains cannot
 * deadlock. The history so far becomes chain 0, in id order, its hashes unchanged (the canonical
 * form is the same); chain 0 continues from its last hash, the others start from the genesis.
 */
export class AuditChains1796344883758 implements MigrationInterface {
  name = 'AuditChains1796344883758';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_chain" ("id" smallint NOT NULL, "seq" bigint NOT NULL DEFAULT '0', "head_hash" character(64) NOT NULL, CONSTRAINT "ck_audit_chain_seq" CHECK ("seq" >= 0), CONSTRAINT "ck_audit_chain_id" CHECK ("id" >= 0 AND "id" < 64), CONSTRAINT "pk_audit_chain" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `INSERT INTO audit_chain (id, seq, head_hash) SELECT g, 0, repeat('0', 64) FROM generate_series(0, 63) g`,
    );
    await queryRunner.query(`ALTER TABLE "audit_event" ADD "chain" smallint`);
    await queryRunner.query(`ALTER TABLE "audit_event" ADD "seq" bigint`);
    // The existing history, in the order its chain was built, as chain 0.
    await queryRunner.query(`ALTER TABLE audit_event DISABLE TRIGGER trg_audit_event_immutable`);
    await queryRunner.query(
      `UPDATE audit_event e SET chain = 0, seq = n.seq
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM audit_event) n WHERE n.id = e.id`,
    );
    await queryRunner.query(`ALTER TABLE audit_event ENABLE TRIGGER trg_audit_event_immutable`);
    await queryRunner.query(
      `UPDATE audit_chain h SET seq = last.seq, head_hash = last.hash
         FROM (SELECT seq, hash FROM audit_event WHERE chain = 0 ORDER BY seq DESC LIMIT 1) last WHERE h.id = 0`,
    );
    await queryRunner.query(`ALTER TABLE "audit_event" ALTER COLUMN "chain" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "audit_event" ALTER COLUMN "seq" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "audit_event" ADD CONSTRAINT "ck_audit_event_seq" CHECK ("seq" >= 1)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_audit_event_chain_seq" ON "audit_event" ("chain", "seq") `,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_event" ADD CONSTRAINT "fk_audit_event_chain" FOREIGN KEY ("chain") REFERENCES "audit_chain"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    // An audit chain's head moves only by the trigger above (from within it: trigger depth 2),
    // one step, from its latest event.
    await queryRunner.query(`
      CREATE FUNCTION audit_chain_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' OR pg_trigger_depth() < 2 OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 THEN
          RAISE EXCEPTION '% on audit_chain is forbidden: a chain only grows by one event', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_audit_chain_guard BEFORE UPDATE OR DELETE ON audit_chain FOR EACH ROW EXECUTE FUNCTION audit_chain_guard()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Events in chains 1–63 link to their own chain, not to the event with the previous id: the
    // single chain of before could not verify them. Going back is only possible before any.
    const rows = (await queryRunner.query(
      `SELECT count(*)::int AS n FROM audit_chain WHERE id > 0 AND seq > 0`,
    )) as { n: number }[];
    const n = rows[0].n;
    if (n > 0)
      throw new Error(
        `AuditChains cannot be reverted: ${n} audit chains other than chain 0 hold events, which a single chain cannot verify`,
      );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(7310042002);
        NEW.id := nextval(pg_get_serial_sequence('audit_event', 'id'));
        SELECT hash INTO NEW.prev_hash FROM audit_event ORDER BY id DESC LIMIT 1;
        NEW.prev_hash := coalesce(NEW.prev_hash, repeat('0', 64));
        NEW.hash := encode(sha256(convert_to(audit_event_canonical(NEW), 'UTF8')), 'hex');
        RETURN NEW;
      END $$`);
    await queryRunner.query(`DROP TRIGGER trg_audit_chain_no_truncate ON audit_chain`);
    await queryRunner.query(`DROP TRIGGER trg_audit_chain_guard ON audit_chain`);
    await queryRunner.query(`DROP FUNCTION audit_chain_guard()`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "fk_audit_event_chain"`);
    await queryRunner.query(`DROP INDEX "public"."uq_audit_event_chain_seq"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "ck_audit_event_seq"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "seq"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "chain"`);
    await queryRunner.query(`DROP TABLE "audit_chain"`);
  }
}
