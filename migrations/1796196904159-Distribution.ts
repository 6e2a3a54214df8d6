import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distribution: booklets printed for a distribution site are its stock (IN_STOCK) and none of
 * their cheques is redeemable until a prescriber hands the booklet to a resident; stock moves
 * between sites by transfers received on arrival; prescribers act on their own sites; every booklet
 * gets an unguessable cover token for its public page.
 *
 * Existing data: each free-text place of a print run becomes a site (kind OTHER, address to be
 * completed by an administrator). Booklets already printed stay ACTIVE — this software cannot know
 * which of them were handed out, and refusing a resident's cheques would break a promise; they are
 * counted as handed over at their issue. Unused ones can be reported lost from their site by range.
 */
export class Distribution1796196904159 implements MigrationInterface {
  name = 'Distribution1796196904159';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(
      `CREATE TABLE "distribution_site" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "kind" character varying(20) NOT NULL, "address" character varying(300), "postal_code" character(5), "city" character varying(100), "phone" character varying(30), "active" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_distribution_site_name" UNIQUE ("name"), CONSTRAINT "ck_distribution_site_postal_code" CHECK (postal_code IS NULL OR postal_code ~ '^[0-9]{5}$'), CONSTRAINT "ck_distribution_site_kind" CHECK (kind IN ('CCAS', 'MDS', 'FRANCE_SERVICES', 'MEDIATHEQUE', 'OTHER')), CONSTRAINT "pk_distribution_site" PRIMARY KEY ("id"))`,
    );
    await q(
      `CREATE TABLE "stock_transfer" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "from_site_id" uuid NOT NULL, "to_site_id" uuid NOT NULL, "status" character varying(20) NOT NULL DEFAULT 'IN_TRANSIT', "booklet_count" integer NOT NULL, "sent_by" uuid NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "received_by" uuid, "received_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_stock_transfer_received" CHECK ((status = 'RECEIVED') = (received_at IS NOT NULL AND received_by IS NOT NULL)), CONSTRAINT "ck_stock_transfer_count" CHECK (booklet_count BETWEEN 1 AND 10000), CONSTRAINT "ck_stock_transfer_sites" CHECK (from_site_id <> to_site_id), CONSTRAINT "ck_stock_transfer_status" CHECK (status IN ('IN_TRANSIT', 'RECEIVED')), CONSTRAINT "pk_stock_transfer" PRIMARY KEY ("id"))`,
    );
    await q(`CREATE INDEX "ix_stock_transfer_to" ON "stock_transfer" ("to_site_id") `);
    await q(`CREATE INDEX "ix_stock_transfer_from" ON "stock_transfer" ("from_site_id") `);
    await q(
      `CREATE TABLE "stock_transfer_booklet" ("transfer_id" uuid NOT NULL, "booklet_id" uuid NOT NULL, CONSTRAINT "pk_stock_transfer_booklet" PRIMARY KEY ("transfer_id", "booklet_id"))`,
    );
    await q(
      `CREATE INDEX "ix_stock_transfer_booklet_booklet" ON "stock_transfer_booklet" ("booklet_id") `,
    );
    await q(
      `CREATE TABLE "user_site" ("user_id" uuid NOT NULL, "site_id" uuid NOT NULL, CONSTRAINT "pk_user_site" PRIMARY KEY ("user_id", "site_id"))`,
    );

    // print runs: their free-text place becomes a site
    await q(
      `INSERT INTO distribution_site (name, kind) SELECT DISTINCT distribution_site, 'OTHER' FROM print_batch`,
    );
    await q(`ALTER TABLE "print_batch" ADD "site_id" uuid`);
    await q(
      `UPDATE print_batch p SET site_id = s.id FROM distribution_site s WHERE s.name = p.distribution_site`,
    );
    await q(`ALTER TABLE "print_batch" ALTER COLUMN "site_id" SET NOT NULL`);
    await q(`ALTER TABLE "print_batch" DROP COLUMN "distribution_site"`);

    // booklets: site, transit, handover, cover token
    await q(`ALTER TABLE "booklet" ADD "site_id" uuid`);
    await q(`ALTER TABLE "booklet" ADD "transfer_id" uuid`);
    await q(`ALTER TABLE "booklet" ADD "handed_over_at" TIMESTAMP WITH TIME ZONE`);
    await q(`ALTER TABLE "booklet" ADD "handed_over_by" uuid`);
    await q(`ALTER TABLE "booklet" ADD "cover_token" character varying(32)`);
    await q(`UPDATE booklet b SET site_id = p.site_id FROM print_batch p WHERE p.id = b.batch_id`);
    await q(
      `UPDATE booklet SET cover_token = upper(replace(gen_random_uuid()::text, '-', '')),
              handed_over_at = CASE WHEN status = 'ACTIVE' THEN issued_at END,
              handed_over_by = CASE WHEN status = 'ACTIVE' THEN issued_by END`,
    );
    await q(`ALTER TABLE "booklet" ALTER COLUMN "cover_token" SET NOT NULL`);
    await q(`ALTER TABLE "booklet" ADD CONSTRAINT "uq_booklet_cover_token" UNIQUE ("cover_token")`);
    await q(`CREATE INDEX "ix_print_batch_site" ON "print_batch" ("site_id") `);
    await q(`CREATE INDEX "ix_booklet_transfer" ON "booklet" ("transfer_id") `);
    await q(`CREATE INDEX "ix_booklet_site_status" ON "booklet" ("site_id", "status") `);
    await q(`ALTER TABLE "booklet" DROP CONSTRAINT "ck_booklet_status"`);
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_status" CHECK (status IN ('IN_STOCK', 'ACTIVE', 'CANCELLED'))`,
    );
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_cover_token" CHECK (cover_token ~ '^[0-9A-Z]{20,32}$')`,
    );
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_in_transit" CHECK (transfer_id IS NULL OR status = 'IN_STOCK')`,
    );
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_handover" CHECK ((handed_over_at IS NULL) = (handed_over_by IS NULL))`,
    );
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_active_handed_over" CHECK (status <> 'ACTIVE' OR handed_over_at IS NOT NULL)`,
    );
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_in_stock" CHECK (status <> 'IN_STOCK' OR (site_id IS NOT NULL AND beneficiary_id IS NULL AND handed_over_at IS NULL))`,
    );
    await q(`ALTER TABLE "app_user" DROP CONSTRAINT "ck_app_user_role"`);
    await q(
      `ALTER TABLE "app_user" ADD CONSTRAINT "ck_app_user_role" CHECK (role IN ('ADMIN', 'AGENT', 'PRESCRIBER', 'ASSOCIATION'))`,
    );

    const fk = (table: string, name: string, column: string, target: string, cascade = false) =>
      q(
        `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "${target}"("id") ON DELETE ${cascade ? 'CASCADE' : 'RESTRICT'} ON UPDATE NO ACTION`,
      );
    await fk('print_batch', 'fk_print_batch_site', 'site_id', 'distribution_site');
    await fk('booklet', 'fk_booklet_site', 'site_id', 'distribution_site');
    await fk('booklet', 'fk_booklet_transfer', 'transfer_id', 'stock_transfer');
    await fk('booklet', 'fk_booklet_handed_over_by', 'handed_over_by', 'app_user');
    await fk('stock_transfer', 'fk_stock_transfer_from', 'from_site_id', 'distribution_site');
    await fk('stock_transfer', 'fk_stock_transfer_to', 'to_site_id', 'distribution_site');
    await fk('stock_transfer', 'fk_stock_transfer_sent_by', 'sent_by', 'app_user');
    await fk('stock_transfer', 'fk_stock_transfer_received_by', 'received_by', 'app_user');
    await fk(
      'stock_transfer_booklet',
      'fk_stock_transfer_booklet_transfer',
      'transfer_id',
      'stock_transfer',
    );
    await fk(
      'stock_transfer_booklet',
      'fk_stock_transfer_booklet_booklet',
      'booklet_id',
      'booklet',
    );
    await fk('user_site', 'fk_user_site_user', 'user_id', 'app_user', true);
    await fk('user_site', 'fk_user_site_site', 'site_id', 'distribution_site');

    // A cheque is redeemable only once its booklet is in a beneficiary's hands (ACTIVE): neither
    // stock nor a cancelled booklet.
    await q(`DROP TRIGGER trg_redemption_line_booklet_not_cancelled ON redemption_line`);
    await q(`DROP FUNCTION redemption_line_booklet_not_cancelled()`);
    await q(`
      CREATE FUNCTION redemption_line_booklet_active() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    // Named after trg_redemption_line_booklet, so it fires after that one has filled booklet_id.
    await q(
      `CREATE TRIGGER trg_redemption_line_booklet_active BEFORE INSERT OR UPDATE OF active, cheque_id ON redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet_active()`,
    );

    // A booklet moves IN_STOCK → ACTIVE (handover) or → CANCELLED, ACTIVE → CANCELLED, never back;
    // it changes site only as stock; its cover token never changes.
    await q(`
      CREATE FUNCTION booklet_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    await q(
      `CREATE TRIGGER trg_booklet_guard BEFORE UPDATE ON booklet FOR EACH ROW EXECUTE FUNCTION booklet_guard()`,
    );

    // Only agents and prescribers work at sites.
    await q(`
      CREATE FUNCTION user_site_role() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM app_user WHERE id = NEW.user_id AND role IN ('AGENT', 'PRESCRIBER')) THEN
          RAISE EXCEPTION 'user % is neither an agent nor a prescriber: no site', NEW.user_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_user_site_role';
        END IF;
        RETURN NEW;
      END $$`);
    await q(
      `CREATE TRIGGER trg_user_site_role BEFORE INSERT OR UPDATE ON user_site FOR EACH ROW EXECUTE FUNCTION user_site_role()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP TRIGGER trg_user_site_role ON user_site`);
    await q(`DROP FUNCTION user_site_role()`);
    await q(`DROP TRIGGER trg_booklet_guard ON booklet`);
    await q(`DROP FUNCTION booklet_guard()`);
    await q(`DROP TRIGGER trg_redemption_line_booklet_active ON redemption_line`);
    await q(`DROP FUNCTION redemption_line_booklet_active()`);
    await q(`
      CREATE FUNCTION redemption_line_booklet_not_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.active AND EXISTS (SELECT 1 FROM booklet WHERE id = NEW.booklet_id AND status = 'CANCELLED') THEN
          RAISE EXCEPTION 'cheque % belongs to a cancelled booklet: it cannot be redeemed', NEW.cheque_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_redemption_line_booklet_not_cancelled';
        END IF;
        RETURN NEW;
      END $$`);
    await q(
      `CREATE TRIGGER trg_redemption_line_booklet_not_cancelled BEFORE INSERT OR UPDATE OF active, cheque_id ON redemption_line FOR EACH ROW EXECUTE FUNCTION redemption_line_booklet_not_cancelled()`,
    );
    // Stock goes back to what the older code knew: ACTIVE booklets (its cheques live again).
    await q(`DELETE FROM user_site`);
    await q(`DELETE FROM app_user WHERE role = 'PRESCRIBER'`);
    await q(`ALTER TABLE "app_user" DROP CONSTRAINT "ck_app_user_role"`);
    await q(
      `ALTER TABLE "app_user" ADD CONSTRAINT "ck_app_user_role" CHECK (role IN ('ADMIN', 'AGENT', 'ASSOCIATION'))`,
    );
    for (const c of [
      'ck_booklet_in_stock',
      'ck_booklet_active_handed_over',
      'ck_booklet_handover',
      'ck_booklet_in_transit',
      'ck_booklet_cover_token',
      'ck_booklet_status',
      'uq_booklet_cover_token',
      'fk_booklet_handed_over_by',
      'fk_booklet_transfer',
      'fk_booklet_site',
    ])
      await q(`ALTER TABLE "booklet" DROP CONSTRAINT "${c}"`);
    await q(`UPDATE booklet SET status = 'ACTIVE' WHERE status = 'IN_STOCK'`);
    await q(
      `ALTER TABLE "booklet" ADD CONSTRAINT "ck_booklet_status" CHECK (status IN ('ACTIVE', 'CANCELLED'))`,
    );
    await q(`DROP INDEX "public"."ix_booklet_site_status"`);
    await q(`DROP INDEX "public"."ix_booklet_transfer"`);
    for (const c of ['cover_token', 'handed_over_by', 'handed_over_at', 'transfer_id', 'site_id'])
      await q(`ALTER TABLE "booklet" DROP COLUMN "${c}"`);
    await q(`ALTER TABLE "print_batch" ADD "distribution_site" character varying(200)`);
    await q(
      `UPDATE print_batch p SET distribution_site = s.name FROM distribution_site s WHERE s.id = p.site_id`,
    );
    await q(`ALTER TABLE "print_batch" ALTER COLUMN "distribution_site" SET NOT NULL`);
    await q(`ALTER TABLE "print_batch" DROP CONSTRAINT "fk_print_batch_site"`);
    await q(`DROP INDEX "public"."ix_print_batch_site"`);
    await q(`ALTER TABLE "print_batch" DROP COLUMN "site_id"`);
    await q(`DROP TABLE "user_site"`);
    await q(`DROP TABLE "stock_transfer_booklet"`);
    await q(`DROP TABLE "stock_transfer"`);
    await q(`DROP TABLE "distribution_site"`);
  }
}
