/**
 * npm run bench — runs every benchmark, one after the other (each in its own process, each
 * starting its own throwaway PostgreSQL), collects the JSON line each prints, writes the raw
 * results to bench/results.json and rewrites the results table of bench/README.md (between its
 * markers): each measure, the floor it is compared to in the same run, the ratio, the goal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const BENCHES = ['pdf', 'redeem', 'framework', 'statement', 'stats'] as const;
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function run(name: string): Json {
  process.stderr.write(`bench ${name}…\n`);
  const started = Date.now();
  const out = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', `bench/${name}.bench.ts`],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  const line = out.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (out.status !== 0 || !line) throw new Error(`bench ${name} failed (${out.status})`);
  process.stderr.write(`bench ${name}: ${Math.round((Date.now() - started) / 1000)} s\n`);
  return JSON.parse(line) as Json;
}

interface Row {
  measure: string;
  result: string;
  floor: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const mib = (v: number) => `${Math.round(v)} MiB`;
/** CPU ms per redemption, by process: the sum, then its parts (bench/cpu.ts). */
const cpu = (c: { service: number; postgres: number; client: number }) =>
  `${(c.service + c.postgres + c.client).toFixed(2)} ms (${[
    c.service ? `${c.service} service` : '',
    `${c.postgres} pg`,
    `${c.client} client`,
  ]
    .filter(Boolean)
    .join(' + ')})`;

function rows(r: Record<(typeof BENCHES)[number], Json>): Row[] {
  const { pdf, redeem, framework, statement, stats } = r;
  const run10k = pdf.printRun10k;
  return [
    {
      measure: 'PDF: ms per booklet',
      result: `${pdf.msPerBooklet} ms`,
      floor: `${pdf.floorMsPerBooklet} ms (bare pdfkit + qrcode)`,
      ratio: `${pdf.ratio}×`,
      goal: '≤ 1.5×',
      met: pdf.ratio <= 1.5,
    },
    {
      measure: 'PDF: bytes per booklet',
      result: `${(pdf.bytesPerBooklet / 1000).toFixed(1)} KB`,
      floor: '',
      ratio: '',
      goal: '≤ 15 KB',
      met: pdf.bytesPerBooklet <= 15_000,
    },
    {
      measure: 'Print run 10,000: issue (one transaction)',
      result: ms(run10k.issueMs),
      floor: '',
      ratio: '',
      goal: '',
      met: null,
    },
    {
      measure: 'Print run 10,000: time to first PDF byte',
      result: ms(run10k.ttfbMs),
      floor: '',
      ratio: '',
      goal: '< 1 s',
      met: run10k.ttfbMs < 1000,
    },
    {
      measure: `Print run 10,000: whole PDF (${(run10k.bytes / 1e6).toFixed(1)} MB)`,
      result: ms(run10k.streamMs),
      floor: '',
      ratio: '',
      goal: '',
      met: null,
    },
    {
      measure: 'Print run 10,000: peak RSS while streaming',
      result: mib(run10k.peakRssStreamMiB),
      floor: `${mib(run10k.peakRssBeforeIssueMiB)} idle`,
      ratio: '',
      goal: '< 300 MB (286 MiB)',
      met: run10k.peakRssStreamMiB * 1.048576 < 300,
    },
    {
      measure: 'Redemption, 1 instance: throughput',
      result: `${redeem.http1.perSecond}/s`,
      floor: `${redeem.minimal.perSecond}/s (minimal transaction, 4 statements, pg)`,
      ratio: `${redeem.ratioToMinimal}`,
      goal: '≥ 0.5',
      met: redeem.ratioToMinimal >= 0.5,
    },
    {
      measure: 'Redemption: the service’s SQL alone, from pg',
      result: `${redeem.floor.perSecond}/s (p99 ${redeem.floor.p99} ms)`,
      floor: `${redeem.minimal.perSecond}/s (minimal transaction)`,
      ratio: `${+(redeem.floor.perSecond / redeem.minimal.perSecond).toFixed(2)}`,
      goal: '',
      met: null,
    },
    ...(redeem.http1.cpuMs
      ? [
          {
            measure: 'Redemption: CPU per redemption (service + PostgreSQL + load generator)',
            result: cpu(redeem.http1.cpuMs),
            floor: `${cpu(redeem.minimal.cpuMs)} (minimal transaction)`,
            ratio: '',
            goal: '',
            met: null,
          },
        ]
      : []),
    {
      measure: 'Redemption, 1 instance: p99 latency (32 connections)',
      result: `${redeem.http1.p99} ms`,
      floor: `${redeem.minimal.p99} ms (minimal transaction)`,
      ratio: '',
      goal: '< 100 ms',
      met: redeem.http1.p99 < 100,
    },
    {
      measure: 'Redemption, 2 instances: throughput',
      result: `${redeem.http2.perSecond}/s (p99 ${redeem.http2.p99} ms)`,
      floor: `${redeem.http1.perSecond}/s (1 instance)`,
      ratio: `×${redeem.scaling1to2}`,
      goal: '≥ ×1',
      met: redeem.scaling1to2 >= 1,
    },
    ...(framework
      ? [
          {
            measure: 'HTTP layer alone (no database): CPU per request, Fastify against Express',
            result: `${framework.fastify.cpuUsPerRequest} µs (${framework.fastify.perSecond}/s)`,
            floor: `${framework.express.cpuUsPerRequest} µs (${framework.express.perSecond}/s, Express)`,
            ratio: `${+(framework.fastify.cpuUsPerRequest / framework.express.cpuUsPerRequest).toFixed(2)}×`,
            goal: 'adopt if a clear gain',
            met: null,
          },
        ]
      : []),
    {
      measure: `Statement: claim of ${statement.redemptions.toLocaleString('en')} redemptions`,
      result: ms(statement.claim.ms),
      floor: '',
      ratio: '',
      goal: '',
      met: null,
    },
    {
      measure: `Statement: issue (${statement.lines.toLocaleString('en')} lines)`,
      result: ms(statement.issue.ms),
      floor: '',
      ratio: '',
      goal: '< 5 s',
      met: statement.issue.ms < 5000,
    },
    {
      measure: `Statement: provisional PDF/A (${(statement.provisionalPdf.bytes / 1e6).toFixed(1)} MB), peak RSS`,
      result: `${ms(statement.provisionalPdf.ms)}, ${mib(statement.provisionalPdf.peakRssMiB)}`,
      floor: '',
      ratio: '',
      goal: '< 300 MB',
      met: statement.provisionalPdf.peakRssMiB * 1.048576 < 300,
    },
    {
      measure: 'Statement: approval drawing and keeping the PDF/A, peak RSS',
      result: `${ms(statement.approveWithPdf.ms)}, ${mib(statement.approveWithPdf.peakRssMiB)}`,
      floor: '',
      ratio: '',
      goal: '< 300 MB',
      met: statement.approveWithPdf.peakRssMiB * 1.048576 < 300,
    },
    {
      measure: `Statement: kept PDF download (${(statement.keptPdf.bytes / 1e6).toFixed(1)} MB)`,
      result: `${ms(statement.keptPdf.ms)}, ${mib(statement.keptPdf.peakRssMiB)}`,
      floor: '',
      ratio: '',
      goal: '',
      met: null,
    },
    {
      measure: `Statement: CSV (${(statement.csv.bytes / 1e6).toFixed(1)} MB), peak RSS`,
      result: `${ms(statement.csv.ms)}, ${mib(statement.csv.peakRssMiB)}`,
      floor: '',
      ratio: '',
      goal: '< 300 MB',
      met: statement.csv.peakRssMiB * 1.048576 < 300,
    },
    ...(stats
      ? Object.keys(stats.msUnfiltered as Record<string, number>).map((indicator) => {
          const all = stats.msUnfiltered[indicator] as number;
          const filtered = stats.msCommuneAndAge[indicator] as number;
          const byAssociation = stats.msAssociationAndActivity[indicator] as number;
          const worst = Math.max(all, filtered, byAssociation);
          return {
            measure: `Indicator ${indicator} (1M cheques, 300k redemptions): no filter / commune + age / association + activity`,
            result: `${all} / ${filtered} / ${byAssociation} ms`,
            floor: '',
            ratio: '',
            goal: '< 500 ms',
            met: worst < 500,
          };
        })
      : []),
  ];
}

function table(list: Row[]): string {
  const head =
    '| measure | result | floor (same run) | ratio | goal | met |\n| --- | --- | --- | --- | --- | --- |';
  const body = list.map(
    (r) =>
      `| ${r.measure} | ${r.result} | ${r.floor} | ${r.ratio} | ${r.goal} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} |`,
  );
  return [head, ...body].join('\n');
}

function main(): void {
  const only = process.argv.slice(2);
  const previous = JSON.parse(
    readFileSync(join(ROOT, 'bench/results.json'), 'utf8').toString() || '{}',
  ) as Json;
  const results = { ...previous.results } as Record<(typeof BENCHES)[number], Json>;
  const date = new Date().toISOString().slice(0, 10);
  // The day each benchmark last ran (`npm run bench -- redeem` keeps the others' figures).
  const dates = { ...(previous.dates ?? {}) } as Record<string, string>;
  for (const name of BENCHES) {
    if (only.length && !only.includes(name)) continue;
    results[name] = run(name);
    dates[name] = date;
  }
  const ran = BENCHES.map((name) => `${name} ${dates[name] ?? previous.date ?? '?'}`).join(', ');
  const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  writeFileSync(
    join(ROOT, 'bench/results.json'),
    `${JSON.stringify({ date, dates, machine, results }, null, 2)}\n`,
  );
  const readme = readFileSync(join(ROOT, 'bench/README.md'), 'utf8');
  const generated = `${START}\n\nLast runs: ${ran}; ${machine}. Raw figures: \`bench/results.json\`.\n\n${table(rows(results))}\n\n${END}`;
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  writeFileSync(
    join(ROOT, 'bench/README.md'),
    from >= 0 && to > from
      ? readme.slice(0, from) + generated + readme.slice(to + END.length)
      : `${readme}\n${generated}\n`,
  );
  // The table as prettier aligns it, so that `npm run lint` stays green after a run.
  spawnSync(join(ROOT, 'node_modules/.bin/prettier'), ['--write', 'bench/README.md'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  process.stdout.write(`${table(rows(results))}\n`);
}

main();
