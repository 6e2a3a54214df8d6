/**
 * npm run bench:redeem-explain — where a redemption's time goes, statement by statement: after a
 * world of 200 booklets and 300 warm-up redemptions, each statement of both floors of
 * bench:redeem (the service's own sequence, and the minimal transaction) is run under
 * EXPLAIN (ANALYZE, BUFFERS) inside a savepoint that is rolled back, then run for real, for 200
 * redemptions of each. Prints, per statement, the median planning and execution time, the time
 * spent in triggers (foreign keys, guards, the audit chain) and the shared buffers touched.
 */
import { Client } from 'pg';
import { benchDatabase, benchEnv, benchWorld, median, startCompiledService } from './support';
import { minimalRedemption, serviceSequence, Sql, sqlOf, Transaction } from './redemption-sql';

interface Plan {
  'Planning Time': number;
  'Execution Time': number;
  Triggers?: { 'Trigger Name': string; Time: number }[];
  Plan: {
    'Shared Hit Blocks': number;
    'Shared Read Blocks': number;
    'Shared Dirtied Blocks': number;
  };
}

interface Step {
  planning: number[];
  execution: number[];
  triggers: number[];
  buffers: number[];
  triggerNames: Set<string>;
}

/** A client that explains each statement (then undoes it) before running it for real. */
function explaining(c: Client, steps: Map<string, Step>): Sql {
  return {
    async query(text, params, prepared) {
      const name = text.replace(/\s+/g, ' ').slice(0, 70);
      await c.query('SAVEPOINT explain');
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params);
      await c.query('ROLLBACK TO SAVEPOINT explain');
      const plan = (rows[0] as { 'QUERY PLAN': Plan[] })['QUERY PLAN'][0];
      const step = steps.get(name) ?? {
        planning: [],
        execution: [],
        triggers: [],
        buffers: [],
        triggerNames: new Set<string>(),
      };
      step.planning.push(plan['Planning Time']);
      step.execution.push(plan['Execution Time']);
      step.triggers.push((plan.Triggers ?? []).reduce((s, t) => s + t.Time, 0));
      for (const t of plan.Triggers ?? []) step.triggerNames.add(t['Trigger Name']);
      step.buffers.push(
        plan.Plan['Shared Hit Blocks'] +
          plan.Plan['Shared Read Blocks'] +
          plan.Plan['Shared Dirtied Blocks'],
      );
      steps.set(name, step);
      return sqlOf(c).query(text, params, prepared);
    },
  };
}

async function explain(c: Client, codes: string[], transaction: Transaction) {
  const steps = new Map<string, Step>();
  const sql = explaining(c, steps);
  for (const code of codes) {
    await c.query('BEGIN');
    await transaction(sql, code);
    await c.query('COMMIT');
  }
  return [...steps].map(([statement, s]) => ({
    statement,
    planningMs: +median(s.planning).toFixed(3),
    executionMs: +median(s.execution).toFixed(3),
    triggersMs: +median(s.triggers).toFixed(3),
    buffers: median(s.buffers),
    triggers: [...s.triggerNames].join(' '),
  }));
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const service = await startCompiledService(benchEnv(db.url));
  try {
    const world = await benchWorld(service.url, 200);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const codes: string[] = (await c.query(`SELECT code FROM cheque ORDER BY random()`)).rows.map(
        (r: { code: string }) => r.code,
      );
      const sequence = serviceSequence(world.staffUserId, world.associationId);
      for (const code of codes.slice(0, 300)) {
        await c.query('BEGIN');
        await sequence(sqlOf(c), code);
        await c.query('COMMIT');
      }
      const own = await explain(c, codes.slice(300, 500), sequence);
      const minimal = await explain(
        c,
        codes.slice(500, 700),
        minimalRedemption(world.staffUserId, world.associationId),
      );
      console.log(JSON.stringify({ bench: 'redeem-explain', service: own, minimal }, null, 1));
    } finally {
      await c.end();
    }
  } finally {
    await service.stop();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
