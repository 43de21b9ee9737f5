/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. from `npm run bench:mirrormaker -- --cpu-prof DIR`):
 * the functions with the most self time, and the share of time by package (kafkajs, geomesh, node internals).
 *
 *   node scripts/bench/cpu-profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseScriptArgs } from '../script-args.ts';

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

const { values, positionals } = parseScriptArgs('cpu-profile-summary', {
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
if (positionals.length === 0) {
  console.error('usage: node scripts/bench/cpu-profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}

function where(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.includes('/node_modules/')) return url.slice(url.lastIndexOf('/node_modules/') + 14);
  const at = url.search(/\/(node|scripts|topology)\//);
  return at >= 0 ? url.slice(at + 1) : url.replace(/^node:/, 'node:');
}

function packageOf(url: string): string {
  if (url === '') return '(native/V8, GC, idle)';
  if (url.startsWith('node:')) return 'node internals';
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  return 'geomesh';
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') idle += us;
    const name = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg =
      functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(GC)' : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): string => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of busy time)`,
  );
  console.log('\nby package:');
  for (const [pkg, us] of [...byPackage].filter(([p]) => p !== '(idle)').sort((a, b) => b[1] - a[1]))
    console.log(`  ${pct(us)}  ${pkg}`);
  console.log(`\ntop ${values.top} functions by self time:`);
  for (const [name, us] of [...byFunction]
    .filter(([n]) => !n.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top)))
    console.log(`  ${pct(us)}  ${name}`);
  console.log('');
}
