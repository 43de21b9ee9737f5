/**
 * The mutation check: proof that the end-to-end checks notice a broken build. Each deliberate bug of
 * `scripts/mutation/mutations.ts` (loop check off, marks advanced before the target acknowledges, fencing
 * skipped, translation off by one, provenance tags not verified) is applied alone to a copy of the committed
 * tree, and the scenario named for it is run there; the bug counts as caught only when the scenario fails
 * and its output shows the anomaly the mutation names.
 *
 *   npm run mutation-check [-- --only NAME[,NAME]] [-- --baseline] [-- --json] [-- --timeout-minutes 20] [-- --logs DIR]
 *
 * Each run: `git archive HEAD` into a temporary directory (node_modules and .cache linked from the project),
 * one exact text replacement (a mutation whose text is no longer in its file is stale: the check stops before
 * running anything and names it), then `node --test --test-concurrency=1` with NODE_COMPILE_CACHE; the copy is
 * removed afterwards. `--baseline` first runs each scenario unmutated: it must pass, so that a catch is not a
 * flaky scenario. Scenarios start real Kafka brokers and etcd (test/harness), one run at a time.
 * Exit code: 0 when every mutation was caught by its anomaly (and every baseline passed), 1 otherwise,
 * 2 on bad arguments. Not part of `npm test` (the whole check takes about 10 minutes, 16 with --baseline).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MUTATIONS, type Mutation, type Scenario } from './mutation/mutations.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `npm run mutation-check [-- options]

Applies each deliberate bug alone to a copy of the committed tree (git archive HEAD) and runs the scenario
that must catch it; a bug is caught when the scenario fails with the anomaly the mutation names.

Options:
  --only NAME[,NAME]      run only these mutations (names below)
  --baseline              first run each scenario unmutated: it must pass
  --json                  print the results as JSON instead of a table
  --timeout-minutes N     stop a scenario after N minutes (default 20); a stopped run is not a catch
  --logs DIR              keep each run's test output in DIR/<mutation>.log (baselines: baseline-N.log)
  --help                  this text

Mutations:
${MUTATIONS.map((m) => `  ${m.name.padEnd(24)}${m.bug}`).join('\n')}

Exit code: 0 every mutation caught by its anomaly, 1 otherwise, 2 bad arguments.`;

function usageError(message: string): never {
  console.error(`mutation-check: ${message}\nRun with --help for the options.`);
  process.exit(2);
}

let values: {
  only?: string;
  logs?: string;
  baseline: boolean;
  json: boolean;
  help: boolean;
  'timeout-minutes': string;
};
try {
  ({ values } = parseArgs({
    options: {
      only: { type: 'string' },
      logs: { type: 'string' },
      baseline: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      'timeout-minutes': { type: 'string', default: '20' },
    },
  }));
} catch (err) {
  usageError((err as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const timeoutMinutes = Number(values['timeout-minutes']);
if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0)
  usageError(`--timeout-minutes ${values['timeout-minutes']}: must be a positive number of minutes`);
const TIMEOUT_MS = timeoutMinutes * 60_000;
const selected = selectMutations(values.only);

interface RunOutcome {
  isPassed: boolean;
  seconds: number;
  output: string;
  isTimedOut: boolean;
}

export interface MutationResult {
  name: string;
  where: string;
  scenario: string;
  isCaught: boolean;
  /** The first line of the output that matches the expected anomaly, if any. */
  anomalySeen: string | undefined;
  /** Why it was not caught, when it was not. */
  verdict: string;
  seconds: number;
}

function selectMutations(only: string | undefined): readonly Mutation[] {
  if (only === undefined) return MUTATIONS;
  const names = only
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  const unknown = names.filter((n) => !MUTATIONS.some((m) => m.name === n));
  if (names.length === 0 || unknown.length > 0)
    usageError(
      `--only ${only}: unknown mutation ${unknown.map((n) => `"${n}"`).join(', ') || '(none named)'}; ` +
        `known: ${MUTATIONS.map((m) => m.name).join(', ')}`,
    );
  return MUTATIONS.filter((m) => names.includes(m.name));
}

function scenarioLabel(s: Scenario): string {
  const files = s.files.map((f) => f.replace(/^test\/e2e\//, '')).join(', ');
  return s.testNamePattern ? `${files} /${s.testNamePattern}/` : files;
}

/** Runs a command to its end; rejects with its stderr when it fails. */
function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim()}`)),
    );
  });
}

/** A copy of the committed tree, with node_modules and .cache linked from the project. */
async function copyTree(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'geomesh-mutation-'));
  const tar = join(dir, '.tree.tar');
  await run('git', ['archive', '--format=tar', '-o', tar, 'HEAD'], ROOT);
  await run('tar', ['-xf', tar, '-C', dir], dir);
  rmSync(tar);
  for (const name of ['node_modules', '.cache']) symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

/** Reads the mutation's file in `dir`; throws naming the mutation when its text is not there exactly once. */
function mutatedText(dir: string, m: Mutation): string {
  const source = readFileSync(join(dir, m.file), 'utf8');
  const count = source.split(m.find).length - 1;
  if (count !== 1)
    throw new Error(
      `mutation ${m.name} is stale: ${m.file} holds its source text ${count} times, not once ` +
        `(${JSON.stringify(m.find.trim().slice(0, 80))}); update scripts/mutation/mutations.ts to the code as it is now`,
    );
  return source.replace(m.find, m.replace);
}

/** Runs a scenario in `dir`; the whole process group is stopped on timeout. */
function runScenario(dir: string, scenario: Scenario): Promise<RunOutcome> {
  const args = ['--test', '--test-concurrency=1', '--test-reporter=spec'];
  if (scenario.testNamePattern) args.push(`--test-name-pattern=${scenario.testNamePattern}`);
  args.push(...scenario.files);
  const startedAt = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_COMPILE_CACHE: join(dir, '.cache', 'node-compile-cache') },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    let isTimedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      isTimedOut = true;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 30_000);
    }, TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolvePromise({
        isPassed: code === 0 && !isTimedOut,
        seconds: (performance.now() - startedAt) / 1_000,
        output: Buffer.concat(chunks).toString(),
        isTimedOut,
      });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function firstLineMatching(output: string, pattern: RegExp): string | undefined {
  const line = output.split('\n').find((l) => pattern.test(l));
  return line?.trim().slice(0, 160);
}

/** The reporter's own lines: test names, passing or failing, which may contain any word. */
const STATUS_LINE = /^\s*(✔|✖|﹣|ℹ|▶|ok |not ok |#)/;

/**
 * The first line showing `anomaly`: an assertion's message first, else any line the tests printed (never a
 * test's name: "… without duplicates" in the name of a passing test is no anomaly).
 */
function anomalyLine(output: string, anomaly: RegExp): string | undefined {
  const lines = output.split('\n').filter((l) => !STATUS_LINE.test(l));
  const line =
    lines.find((l) => /AssertionError|Error:/.test(l) && anomaly.test(l)) ??
    lines.find((l) => anomaly.test(l));
  return line?.trim().slice(0, 160);
}

/** The first failure line of a run's output, to say what failed when it was not the expected anomaly. */
function firstFailure(output: string): string {
  return (
    firstLineMatching(output, /AssertionError|Error:|timed out/) ??
    firstLineMatching(output, /not ok|✖/) ??
    'no failure line in the output'
  );
}

async function inCopy<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await copyTree();
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** With --logs: a run's output in DIR/<name>.log. */
function keepLog(name: string, output: string): void {
  if (!values.logs) return;
  mkdirSync(values.logs, { recursive: true });
  writeFileSync(join(values.logs, `${name}.log`), output);
}

function log(line: string): void {
  if (!values.json) console.log(line);
}

// Stale mutations are found before anything runs.
await inCopy((dir) => {
  for (const m of selected) mutatedText(dir, m);
  return Promise.resolve();
}).catch((err: unknown) => {
  console.error(`mutation-check: ${(err as Error).message}`);
  process.exit(1);
});

const baselines: { scenario: string; isPassed: boolean; seconds: number; failure?: string }[] = [];
if (values.baseline) {
  const scenarios = new Map(selected.map((m) => [scenarioLabel(m.scenario), m.scenario]));
  for (const [i, [label, scenario]] of [...scenarios].entries()) {
    log(`baseline: ${label} …`);
    const outcome = await inCopy((dir) => runScenario(dir, scenario));
    keepLog(`baseline-${i + 1}`, outcome.output);
    baselines.push({
      scenario: label,
      isPassed: outcome.isPassed,
      seconds: outcome.seconds,
      ...(outcome.isPassed ? {} : { failure: firstFailure(outcome.output) }),
    });
    log(`baseline: ${label}: ${outcome.isPassed ? 'passed' : 'FAILED'} in ${outcome.seconds.toFixed(0)} s`);
  }
}

const results: MutationResult[] = [];
const startedAt = performance.now();
for (const m of selected) {
  log(`${m.name}: ${m.bug}; running ${scenarioLabel(m.scenario)} …`);
  const outcome = await inCopy(async (dir) => {
    writeFileSync(join(dir, m.file), mutatedText(dir, m));
    return runScenario(dir, m.scenario);
  });
  keepLog(m.name, outcome.output);
  const anomalySeen = outcome.isPassed ? undefined : anomalyLine(outcome.output, m.anomaly);
  const isCaught = !outcome.isPassed && !outcome.isTimedOut && anomalySeen !== undefined;
  const verdict = isCaught
    ? 'caught'
    : outcome.isPassed
      ? 'not caught: the scenario passed'
      : outcome.isTimedOut
        ? `not caught: stopped after ${timeoutMinutes} min`
        : `not caught by ${m.anomaly}: failed with ${firstFailure(outcome.output)}`;
  results.push({
    name: m.name,
    where: m.file,
    scenario: scenarioLabel(m.scenario),
    isCaught,
    anomalySeen,
    verdict,
    seconds: Math.round(outcome.seconds),
  });
  log(`${m.name}: ${verdict} (${outcome.seconds.toFixed(0)} s)`);
}
const totalSeconds = Math.round((performance.now() - startedAt) / 1_000);

const caught = results.filter((r) => r.isCaught).length;
const baselineFailures = baselines.filter((b) => !b.isPassed);
const isOk = caught === results.length && baselineFailures.length === 0;
if (values.json) {
  console.log(
    JSON.stringify({ results, baselines, caught, total: results.length, totalSeconds, isOk }, null, 2),
  );
} else {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  console.log('\n| mutation | where | scenario | caught? | anomaly seen | s |');
  console.log('| --- | --- | --- | --- | --- | ---: |');
  for (const r of results)
    console.log(
      `| ${r.name} | \`${r.where}\` | ${cell(r.scenario)} | ${r.isCaught ? 'caught' : 'not caught'} | ` +
        `${cell(r.anomalySeen ?? r.verdict)} | ${r.seconds} |`,
    );
  for (const b of baselineFailures)
    console.log(`baseline ${b.scenario} failed unmutated: ${b.failure} (its catches prove nothing)`);
  console.log(
    `\nmutation check: ${caught} of ${results.length} mutations caught by their anomaly` +
      (baselines.length > 0
        ? `; ${baselines.length - baselineFailures.length} of ${baselines.length} baselines passed`
        : '') +
      ` (${totalSeconds} s)`,
  );
}
process.exit(isOk ? 0 : 1);
