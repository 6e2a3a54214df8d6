/**
 * npm run bench:statement — a statement of 100,000 redemptions: claim, issue (numbering, 100,000
 * frozen lines, totals and hash checked at commit), the provisional PDF drawn live, the approval
 * (which draws the PDF/A document once and keeps it), the kept PDF's download and the CSV; time
 * and peak RSS of the compiled service for each step.
 * Prints a JSON result line.
 */
import { Client } from 'pg';
import {
  api,
  benchDatabase,
  benchEnv,
  benchWorld,
  createAdminOnServer,
  signInAt,
  startCompiledService,
} from './support';

const APPROVER = { email: 'approver@bench.local', password: 'approver-password-long' };

/** 100,000 by default; STATEMENT_BENCH_LINES to measure another size. */
const REDEMPTIONS = Number(process.env.STATEMENT_BENCH_LINES ?? 100_000);

async function main(): Promise<void> {
  const db = await benchDatabase();
  const env = benchEnv(db.url);
  const service = await startCompiledService(env);
  try {
    const { admin, staff, staffUserId, associationId } = await benchWorld(
      service.url,
      REDEMPTIONS / 10,
    );

    // 100,000 one-cheque redemptions, written straight in SQL (the redemption path has its own benchmark).
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `
      WITH r AS (
        INSERT INTO redemption (association_id, user_id, session_date, activity, total_cents, cheque_count, status)
        SELECT $1, $2, current_date - (n % 28), 'Smartphone', 1000, 1, 'ACTIVE' FROM generate_series(1, $3) AS n
        RETURNING id),
      numbered AS (SELECT id, row_number() OVER () AS n FROM r),
      ch AS (SELECT id, row_number() OVER (ORDER BY code) AS n FROM cheque)
      INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active)
      SELECT numbered.id, ch.id, 1000, true FROM numbered JOIN ch USING (n)`,
      [associationId, staffUserId, REDEMPTIONS],
    );
    await client.query(`UPDATE cheque SET status = 'REDEEMED'`);
    await client.query('VACUUM ANALYZE');
    await client.end();

    const timed = async <T>(
      fn: () => Promise<T>,
    ): Promise<{ ms: number; value: T; peakRssMiB: number }> => {
      service.resetPeak();
      const start = process.hrtime.bigint();
      const value = await fn();
      return {
        ms: Math.round(Number(process.hrtime.bigint() - start) / 1e6),
        value,
        peakRssMiB: Math.round(service.peakRssMiB()),
      };
    };
    const download = async (path: string, token: string) => {
      const res = await fetch(service.url + path, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      let bytes = 0;
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return bytes;
        bytes += value.length;
      }
    };

    const today = new Date().toISOString().slice(0, 10);
    const claim = await timed(() =>
      api<{ id: string; redemptionCount: number }>(service.url, '/api/claims', staff, {
        upTo: today,
      }),
    );
    await api(service.url, `/api/claims/${claim.value.id}/submit`, staff, {});
    const issue = await timed(() =>
      api<{ id: string; lineCount: number; totalCents: number }>(
        service.url,
        `/api/claims/${claim.value.id}/issue`,
        admin,
        {},
      ),
    );
    const provisional = await timed(() => download(`/api/statements/${issue.value.id}/pdf`, admin));
    createAdminOnServer(env, APPROVER);
    const approver = await signInAt(service.url, APPROVER);
    const approve = await timed(() =>
      api(service.url, `/api/statements/${issue.value.id}/approve`, approver, {}),
    );
    const pdf = await timed(() => download(`/api/statements/${issue.value.id}/pdf`, admin));
    const csv = await timed(() => download(`/api/statements/${issue.value.id}/csv`, admin));
    console.log(
      JSON.stringify({
        bench: 'statement',
        redemptions: claim.value.redemptionCount,
        lines: issue.value.lineCount,
        totalCents: issue.value.totalCents,
        claim: { ms: claim.ms, peakRssMiB: claim.peakRssMiB },
        issue: { ms: issue.ms, peakRssMiB: issue.peakRssMiB },
        provisionalPdf: {
          ms: provisional.ms,
          bytes: provisional.value,
          peakRssMiB: provisional.peakRssMiB,
        },
        approveWithPdf: { ms: approve.ms, peakRssMiB: approve.peakRssMiB },
        keptPdf: { ms: pdf.ms, bytes: pdf.value, peakRssMiB: pdf.peakRssMiB },
        csv: { ms: csv.ms, bytes: csv.value, peakRssMiB: csv.peakRssMiB },
      }),
    );
  } finally {
    await service.stop();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
