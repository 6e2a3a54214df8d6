import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, superuserQuery } from './support/database';
import { embeddedClusterUrl, startService } from './support/service-process';
import { api, benchEnv, benchWorld } from './support/world';
import { chequeCodes, redeem, submittedClaim } from './reliability/support';
import { signInAt } from './support/second-factor';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..');

/** Runs one of the compiled commands (npm run backup / restore / audit:verify without the build). */
function command(script: string, args: string[], env: Record<string, string>) {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist/src', script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

/** What must come back whole: row counts of every table, the statements and their sealed hashes, the audit chains' heads. */
async function fingerprint(url: string) {
  const tables = await superuserQuery<{ t: string }>(
    url,
    `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { t } of tables) {
    counts[t] = (
      await superuserQuery<{ n: number }>(url, `SELECT count(*)::int AS n FROM "${t}"`)
    )[0].n;
  }
  const statements = await superuserQuery(
    url,
    `SELECT number, status, total_cents::text, content_hash,
            content_hash = encode(sha256(convert_to(statement_canonical(id), 'UTF8')), 'hex') AS sealed_ok
       FROM statement ORDER BY number`,
  );
  const head = await superuserQuery(
    url,
    `SELECT h.id, h.seq::text, h.head_hash, max(e.id)::text AS last_id
       FROM audit_chain h LEFT JOIN audit_event e ON e.chain = h.id GROUP BY h.id ORDER BY h.id`,
  );
  return { counts, statements, head };
}

/**
 * Backup and restore (npm run backup, npm run restore): a dump of the embedded cluster, restored
 * into an empty one and into a DATABASE_URL server, gives back the same records — counts, the
 * statements with their sealed hashes, the audit chain — and `audit:verify` passes on them.
 */
describe('Backup and restore', () => {
  const work = mkdtempSync(join(tmpdir(), 'pn-backup-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const embedded = (dataDir: string) => ({
    ...benchEnv(''),
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
  });

  it('round trip: backup of the embedded cluster → restore into an empty one and into a DATABASE_URL database → identical records, audit:verify passes', async () => {
    const original = join(work, 'original');
    const service = await startService(embedded(original), { compiled: true });
    let before: Awaited<ReturnType<typeof fingerprint>>;
    try {
      const world = await benchWorld(service.url, 3);
      const codes = await chequeCodes(embeddedClusterUrl(original), world.programmeId);
      for (const code of codes.slice(0, 4)) {
        expect((await redeem(service.url, world.staff, [code])).status).toBe(201);
      }
      const claim = await submittedClaim(service.url, world.staff);
      await api(service.url, `/api/claims/${claim.id}/issue`, world.admin, {});
      before = await fingerprint(embeddedClusterUrl(original));
    } finally {
      await service.stop();
    }
    expect(before.statements).toHaveLength(1);
    expect(before.statements[0]).toMatchObject({ total_cents: '4000', sealed_ok: true });
    expect(before.counts.redemption).toBe(4);

    // npm run backup, with the service stopped: the command starts the cluster for the dump.
    const dumps = join(work, 'dumps');
    const made = command('operations/backup.cli.js', [dumps], embedded(original));
    expect(made.code).toBe(0);
    const [, file] = /Backup written: (\S+\.dump) \(\d+ bytes, sha256 [0-9a-f]{64}\)/.exec(
      made.out,
    )!;
    expect(statSync(file).size).toBeGreaterThan(1000);
    // personal data and bank details inside: readable by its owner only
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.partial`)).toBe(false);

    // Lost everything: restore into a new, empty DATA_DIR.
    const fresh = join(work, 'fresh');
    const restored = command('operations/restore.cli.js', [file], embedded(fresh));
    expect(restored.out).toContain('Audit chains intact');
    expect(restored.code).toBe(0);
    const again = await startService(embedded(fresh), { compiled: true });
    try {
      expect(await fingerprint(embeddedClusterUrl(fresh))).toEqual(before);
      // the same people sign in, and the service goes on numbering where it was
      // (its authenticator app set up before, with the same TOTP_KEY)
      await signInAt(
        again.url,
        { email: 'bench@bench.local', password: 'bench-password-long' },
        service.url,
      );
    } finally {
      await again.stop();
    }
    const verified = command('audit/verify.cli.js', [], embedded(fresh));
    expect(verified.out).toMatch(/Audit chains intact: \d+ events verified/);
    expect(verified.out).toContain('Statements intact: 1 checked');
    expect(verified.code).toBe(0);

    // A restore never mixes with data: the restored database is not empty any more.
    const twice = command('operations/restore.cli.js', [file], embedded(fresh));
    expect(twice.code).toBe(2);
    expect(twice.out).toMatch(/the target database is not empty — restore into an empty database/);

    // Into a server reached by DATABASE_URL (an empty database on another cluster).
    const url = await createTestDatabase('restored');
    const external = { ...embedded(join(work, 'unused')), DATABASE_URL: url };
    const intoUrl = command('operations/restore.cli.js', [file], external);
    expect(intoUrl.code).toBe(0);
    expect(await fingerprint(url)).toEqual(before);
    // …and a backup from DATABASE_URL.
    const fromUrl = command('operations/backup.cli.js', [dumps], external);
    expect(fromUrl.code).toBe(0);
    expect(fromUrl.out).toMatch(/Backup written: .+\.dump/);
  });

  it('a missing file is one clear line, exit 2, nothing touched', async () => {
    const url = await createTestDatabase('nofile');
    const run = command('operations/restore.cli.js', [join(work, 'nope.dump')], {
      ...benchEnv(url),
      NODE_ENV: 'development',
    });
    expect(run.code).toBe(2);
    expect(run.out.trim()).toMatch(
      /^no backup file .*nope\.dump — give the path of a file made by npm run backup$/,
    );
  });
});
