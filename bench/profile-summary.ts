/**
 * node -r ts-node/register/transpile-only bench/profile-summary.ts FILE.cpuprofile [TOP]
 *
 * What a V8 CPU profile (node --cpu-prof, e.g. BENCH_PROFILE=dir npm run bench -- redeem) spent
 * its time on: self time by package (node_modules/NAME, our dist/ code, Node's own internals,
 * idle and garbage collection), then the TOP functions by self time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i]));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** Where a frame comes from: a package, our code, Node itself, or V8's own states. */
function origin(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  if (url.includes('/dist/')) return 'dist/' + url.split('/dist/')[1].split('/')[0];
  return url;
}

const sum = (entries: [string, number][]) => {
  const m = new Map<string, number>();
  for (const [k, v] of entries) m.set(k, (m.get(k) ?? 0) + v);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;

console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by origin');
for (const [k, v] of sum(
  [...self].map(([id, us]) => {
    const f = byId.get(id)!.callFrame;
    return [origin(f.url, f.functionName), us];
  }),
).slice(0, 20))
  console.log(`${pct(v)}  ${k}`);
console.log(`\ntop ${top} functions by self time`);
for (const [k, v] of sum(
  [...self].map(([id, us]) => {
    const f = byId.get(id)!.callFrame;
    const where = f.url ? `${origin(f.url, f.functionName)}:${f.lineNumber + 1}` : '';
    return [`${f.functionName || '(anonymous)'} ${where}`, us];
  }),
).slice(0, Number(top)))
  console.log(`${pct(v)}  ${k}`);
