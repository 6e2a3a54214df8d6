import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795548355620 implements MigrationInterface {
  name = 'Foundation1795548355620';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_event" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_id" uuid, "actor_role" character varying(20), "action" character varying(80) NOT NULL, "entity_type" character varying(60) NOT NULL, "entity_id" character varying(100), "before" jsonb, "after" jsonb, "request_id" character varying(64), "prev_hash" character(64) NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "pk_audit_event" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_audit_event_action" ON "audit_event" ("action") `);
    await queryRunner.query(`CREATE INDEX "ix_audit_event_actor" ON "audit_event" ("actor_id") `);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_event_entity" ON "audit_event" ("entity_type", "entity_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "app_user" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(254) NOT NULL, "display_name" character varying(120), "password_hash" text NOT NULL, "role" character varying(20) NOT NULL, "association_id" uuid, "active" boolean NOT NULL DEFAULT true, "last_login_at" TIMESTAMP WITH TIME ZONE, "token_version" integer NOT NULL DEFAULT 0, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_app_user_email" UNIQUE ("email"), CONSTRAINT "ck_app_user_role" CHECK (role IN ('ADMIN', 'AGENT', 'ASSOCIATION')), CONSTRAINT "ck_app_user_email_lower" CHECK (email = lower(email)), CONSTRAINT "pk_app_user" PRIMARY KEY ("id"))`,
    );

    // Append-only tables: any UPDATE, DELETE or TRUNCATE is refused by the database itself.
    await queryRunner.query(`
      CREATE FUNCTION forbid_modification() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is forbidden: rows are immutable', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    // The canonical text of an audit row, hashed by the chain trigger and by audit:verify.
    await queryRunner.query(`
      CREATE FUNCTION audit_event_canonical(e audit_event) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_array(
          e.prev_hash, e.id::text, (extract(epoch FROM e.at) * 1000000)::bigint::text,
          e.actor_id, e.actor_role, e.action, e.entity_type, e.entity_id,
          e.before, e.after, e.request_id)::text
      $$`);
    // Chains each new row to the previous one. The lock makes the chain linear across
    // concurrent transactions; the id is drawn under the lock so id order is chain order.
    await queryRunner.query(`
      CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(7310042002);
        NEW.id := nextval(pg_get_serial_sequence('audit_event', 'id'));
        SELECT hash INTO NEW.prev_hash FROM audit_event ORDER BY id DESC LIMIT 1;
        NEW.prev_hash := coalesce(NEW.prev_hash, repeat('0', 64));
        NEW.hash := encode(sha256(convert_to(audit_event_canonical(NEW), 'UTF8')), 'hex');
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_audit_event_chain BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_chain()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_audit_event_immutable BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION forbid_modification()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER trg_audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION forbid_modification()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "app_user"`);
    await queryRunner.query(`DROP TRIGGER trg_audit_event_no_truncate ON audit_event`);
    await queryRunner.query(`DROP TRIGGER trg_audit_event_immutable ON audit_event`);
    await queryRunner.query(`DROP TRIGGER trg_audit_event_chain ON audit_event`);
    await queryRunner.query(`DROP FUNCTION audit_event_chain()`);
    await queryRunner.query(`DROP FUNCTION audit_event_canonical(audit_event)`);
    await queryRunner.query(`DROP FUNCTION forbid_modification()`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_event_entity"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_event_actor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_event_action"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
  }
}
