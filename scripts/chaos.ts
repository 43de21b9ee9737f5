/**
 * A chaos run: a 3-region full mesh (a, b, c; region c shared by two instances, `node.workSharing`) on real
 * single-broker Kafka clusters and a real etcd, every cross-region connection through a WAN proxy, writers in
 * every region all along, and a seeded schedule of faults with quiet periods between them (kill -9 and kill
 * -STOP of a node instance, broker and etcd restarts, two regions partitioned, a region blackholed). Then it
 * heals, drains (every region holding every record, within a bound) and audits: every record of every origin
 * in every region exactly once, in order per origin, nothing back in its origin, and consumer groups
 * translated between regions checked against both logs (0 lost, 0 duplicates with the frontier filter).
 *
 *   npm run chaos -- --minutes N [--seed S] [--json]
 *
 * Exit code 0 only on a clean audit, 1 on an anomaly (or a run that could not finish), 2 on bad arguments.
 * Real servers on loopback; every process is stopped at the end, also on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { waitFor } from '../test/support/polling.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { WanMesh, Writers } from '../test/support/wan-mesh.ts';
import { regionReports, chaosTotals, isClean, type RegionReport } from './chaos/audit.ts';
import { healAll, runFault } from './chaos/faults.ts';
import { chaosSchedule, clock, describeFault, describeSchedule, type Fault } from './chaos/schedule.ts';
import { auditRegions, checkTranslations, topicCounts } from './chaos/checks.ts';

const USAGE = `npm run chaos -- --minutes N [--seed S] [--json]

  --minutes N   length of the faulty part of the run (then heal, drain and audit), a number > 0
  --seed S      the schedule's seed, a whole number 0…2147483647 (default: a random one, printed)
  --json        the report as one JSON document on stdout (progress goes to stderr)
  --help        this text

Exit code: 0 clean audit, 1 an anomaly (or the run could not finish), 2 bad arguments.`;

function badArguments(message: string): never {
  console.error(`chaos: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: { minutes?: string; seed?: string; json?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (err) {
  badArguments((err as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.minutes === undefined) badArguments('--minutes is required (e.g. --minutes 3)');
const MINUTES = Number(values.minutes);
if (!Number.isFinite(MINUTES) || MINUTES <= 0)
  badArguments(`--minutes must be a number of minutes > 0, got "${values.minutes}"`);
const SEED = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(SEED) || SEED < 0 || SEED >= 2 ** 31)
  badArguments(`--seed must be a whole number 0…2147483647, got "${values.seed}"`);

const REGIONS = ['a', 'b', 'c'];
const SHARED = { region: 'c', instances: 2, leaseTtlMs: 4_000 };
const INSTANCES = ['a', 'b', 'c', 'c-2'];
const TOPIC = 'orders-chaos';
/** Bound on every region holding every record after the heal. */
const DRAIN_MS = 300_000;
const log = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const durationMs = Math.round(MINUTES * 60_000);
const schedule = chaosSchedule({ seed: SEED, durationMs, regions: REGIONS, instances: INSTANCES });
log(`chaos: seed ${SEED}, ${MINUTES} min of faults, ${schedule.length} faults (--seed ${SEED} replays it)`);
log('schedule:');
for (const line of describeSchedule(schedule)) log(`  ${line}`);

const random = seededRandom(SEED ^ 0x5eed);
const key = randomBytes(32).toString('hex');
let mesh: WanMesh | undefined;
let writers: Writers | undefined;
const done: { fault: Fault; startedMs: number; recoveryMs: number; notes: string[]; held: number[] }[] = [];

async function cleanUp(): Promise<void> {
  await writers?.stop().catch(() => undefined);
  await mesh?.stop();
}
process.once('SIGINT', () => {
  log('chaos: interrupted, stopping every process');
  void cleanUp().finally(() => process.exit(1));
});

let exitCode = 1;
try {
  const began = Date.now();
  mesh = await WanMesh.start({
    mesh: 'chaos',
    regions: REGIONS,
    topics: [TOPIC],
    topicPattern: TOPIC,
    etcdProxied: [],
    delayMs: 0.5,
    key,
    workSharing: SHARED,
  });
  log(`mesh up in ${((Date.now() - began) / 1000).toFixed(1)} s (load ${load()})`);
  writers = await new Writers(mesh.kafka, TOPIC, {
    regions: REGIONS,
    batch: 20 + Math.floor(random() * 11),
    intervalMs: 500,
    retryMs: 500,
  }).start();
  log(`writers: ${writers.options.batch} records every 500 ms in each region`);
  const start = Date.now();
  for (const fault of schedule) {
    await new Promise((r) => setTimeout(r, Math.max(0, start + fault.atMs - Date.now())));
    const startedMs = Date.now() - start;
    log(`[${clock(startedMs)}] ${describeFault(fault)}`);
    const outcome = await runFault(mesh, fault);
    const held = await topicCounts(mesh, TOPIC);
    done.push({ fault, startedMs, ...outcome, held });
    log(
      `[${clock(Date.now() - start)}]   over; back after ${(outcome.recoveryMs / 1000).toFixed(1)} s; written ` +
        `${writers.total}, log ends a/b/c ${held.join('/')}; load ${load()}` +
        (outcome.notes.length > 0 ? `; ${outcome.notes.join('; ')}` : ''),
    );
  }
  await new Promise((r) => setTimeout(r, Math.max(0, start + durationMs - Date.now())));
  await healAll(mesh);
  await writers.stop();
  const written = writers.total;
  log(
    `[${clock(Date.now() - start)}] healed, writers stopped: ${written} written (${writers.failedSends} sends retried)`,
  );
  // Log ends first (cheap; transaction markers of a fenced writer count there too), then the records
  // themselves (read committed), until every region holds every record or the bound passes.
  const drainFrom = Date.now();
  let drainMs: number | undefined;
  let audits: Awaited<ReturnType<typeof auditRegions>> = {};
  const isDrained = async () => {
    if (!(await topicCounts(mesh!, TOPIC)).every((n) => n >= written)) return false;
    audits = await auditRegions(mesh!, TOPIC);
    return Object.values(audits).every((a) => a.total >= written);
  };
  try {
    await waitFor(isDrained, {
      timeoutMs: DRAIN_MS,
      intervalMs: 1_000,
      what: `every region holding all ${written} records`,
    });
    drainMs = Date.now() - drainFrom;
    log(
      `drained: every region holds ${written} records ${(drainMs / 1000).toFixed(1)} s after the writers stopped`,
    );
  } catch (err) {
    log(
      `NOT drained: ${(err as Error).message}; log ends a/b/c ${(await topicCounts(mesh, TOPIC)).join('/')}`,
    );
    audits = await auditRegions(mesh, TOPIC);
  }
  const lag = await Promise.all(
    INSTANCES.map(async (i) => (await mesh!.status(i)).links.reduce((n, l) => n + l.lagRecords, 0)),
  );
  log(`link lag per instance ${INSTANCES.map((i, n) => `${i} ${lag[n]}`).join(', ')}`);
  const reports = regionReports(audits, writers.written);
  const translations = await checkTranslations(mesh, TOPIC, random);
  const totals = chaosTotals(written, reports, translations);
  const clean = isClean(totals);
  exitCode = clean ? 0 : 1;
  for (const r of reports) log(describeReport(r));
  for (const t of translations)
    log(
      `translation ${t.group} ${t.from} → ${t.to} (${t.source}): lost ${t.lost}, duplicates with the filter ` +
        `${t.duplicatesWithFilter} (without ${t.plainDuplicates})${t.error ? `; ERROR ${t.error}` : ''}`,
    );
  const closing =
    `chaos seed ${SEED}, ${MINUTES} min, ${done.length} faults: written ${totals.written}, replicated ` +
    `${totals.replicated} (of ${2 * totals.written}), lost ${totals.lost}, duplicates ${totals.duplicates}, loops ` +
    `${totals.loops}, translation errors ${totals.translationErrors}` +
    (totals.misattributed + totals.orderBroken > 0
      ? `, misattributed ${totals.misattributed}, order broken in ${totals.orderBroken} of ${REGIONS.length} regions`
      : '') +
    (totals.writerDuplicates > 0 ? `, writer duplicates ${totals.writerDuplicates}` : '') +
    ` (load ${load()}) — ${clean ? 'CLEAN' : 'ANOMALY'}`;
  log(closing);
  if (values.json)
    console.log(
      JSON.stringify({
        seed: SEED,
        minutes: MINUTES,
        schedule,
        faults: done,
        written: writers.written,
        drainMs,
        lag: Object.fromEntries(INSTANCES.map((i, n) => [i, lag[n]])),
        regions: reports,
        translations,
        totals,
        clean,
      }),
    );
} catch (err) {
  log(`chaos: the run could not finish: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanUp();
}
process.exit(exitCode);

function describeReport(r: RegionReport): string {
  const lost = Object.entries(r.lost)
    .map(([o, n]) => `${o} ${n}`)
    .join(', ');
  return (
    `region ${r.region}: ${r.records} records (${r.replicated} replicated); lost per origin ${lost}; ` +
    `duplicates ${r.duplicates}; loops ${r.loops}; misattributed ${r.misattributed}; ` +
    `order ${r.isOrderKept ? 'kept' : 'BROKEN'}` +
    (r.writerDuplicates > 0 ? `; written twice by the writer ${r.writerDuplicates}` : '')
  );
}
