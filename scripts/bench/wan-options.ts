/**
 * The flags of `npm run bench:wan`: parsed, checked and defaulted in one step (`parseWanOptions`), so that a
 * bad value is one line naming the flag, the value and what to give instead, before anything starts.
 */
import { parseArgs } from 'node:util';

export const WAN_CONTENDERS = ['pull', 'stream', 'mirrormaker'] as const;
export type WanContender = (typeof WAN_CONTENDERS)[number];
export type WanMode = 'backlog' | 'live';

export const WAN_USAGE =
  'usage: npm run bench:wan -- [--mode backlog|live] [--records N] [--delays MS,MS] [--runs N] ' +
  '[--contenders pull,stream,mirrormaker] [--latency-seconds S] [--latency-rate R] [--workers N] [--json] ' +
  '(--help: every flag)';

export const WAN_HELP = `npm run bench:wan [-- options]

  --mode backlog|live    backlog (default): N records preloaded into a, then each contender started and
                         timed from its first copied record to the last in b; live: geomesh alone, timed
                         while one producer writes the N records
  --records N            records per copy (default ${defaultRecords('backlog')} backlog, ${defaultRecords('live')} live)
  --delays LIST          one-way delays of the WAN proxies in ms (default 0,40: an 80 ms round trip)
  --value-bytes B        value size (default 1024)
  --partitions P         partitions of each backlog topic; MirrorMaker 2's tasks.max (default 6)
  --runs N               backlog runs; figures are medians (default 3)
  --contenders LIST      backlog and latency contenders: pull,stream,mirrormaker (default all three)
  --latency-rate R       records/s of the latency part (default 1000)
  --latency-seconds S    its length at each delay; 0 skips it (default 20; backlog mode only)
  --heap FLAGS           heap flags of MirrorMaker 2 and Kafka's tools (default "-Xms256m -Xmx1g")
  --workers N            worker threads of each geomesh node (default 1: the data path on the main thread)
  --json                 every figure as one JSON line on stdout (the tables go to stderr)
  --help                 this text

Every cross-region connection goes through the WAN proxy: geomesh's pulls and MirrorMaker 2's consumer read
a's cluster at its proxied listener, streams reach a's node through its proxy.`;

/** The checked, defaulted flags. */
export interface WanConfig {
  mode: WanMode;
  records: number;
  delaysMs: number[];
  valueBytes: number;
  partitions: number;
  runs: number;
  contenders: WanContender[];
  latencyRate: number;
  latencySeconds: number;
  heap: string;
  /** Worker threads of each geomesh node. */
  workers: number;
  isJson: boolean;
  isHelp: boolean;
}

/** A flag with a bad value: the message names it and the fix; the caller prints it with WAN_USAGE, exit 2. */
export class WanUsageError extends Error {}

function defaultRecords(mode: WanMode): number {
  return mode === 'backlog' ? 100_000 : 50_000;
}

function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text.trim().replaceAll('_', ''));
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min)
    throw new WanUsageError(`--${flag} ${JSON.stringify(text)}: give a whole number of ${min} or more`);
  return n;
}

/** Parses `argv` (the arguments after the script); throws WanUsageError on an unknown flag or a bad value. */
export function parseWanOptions(argv: readonly string[]): WanConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: 'string', default: 'backlog' },
        records: { type: 'string' },
        delays: { type: 'string', default: '0,40' },
        'value-bytes': { type: 'string', default: '1024' },
        partitions: { type: 'string', default: '6' },
        runs: { type: 'string', default: '3' },
        contenders: { type: 'string', default: WAN_CONTENDERS.join(',') },
        'latency-rate': { type: 'string', default: '1000' },
        'latency-seconds': { type: 'string', default: '20' },
        heap: { type: 'string', default: '-Xms256m -Xmx1g' },
        workers: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new WanUsageError((err as Error).message);
  }
  const mode = values.mode;
  if (mode !== 'backlog' && mode !== 'live')
    throw new WanUsageError(`--mode ${JSON.stringify(mode)}: give backlog or live`);
  const delaysMs = values.delays.split(',').map((d) => wholeNumber('delays', d, 0));
  if (new Set(delaysMs).size !== delaysMs.length)
    throw new WanUsageError(`--delays ${values.delays}: each delay once`);
  const contenders = values.contenders.split(',').map((c) => c.trim());
  for (const c of contenders)
    if (!(WAN_CONTENDERS as readonly string[]).includes(c))
      throw new WanUsageError(
        `--contenders: unknown contender "${c}"; give some of ${WAN_CONTENDERS.join(', ')}`,
      );
  if (values.heap.trim() === '') throw new WanUsageError('--heap "": give JVM heap flags, e.g. "-Xmx1g"');
  return {
    mode,
    records: values.records === undefined ? defaultRecords(mode) : wholeNumber('records', values.records, 1),
    delaysMs,
    valueBytes: wholeNumber('value-bytes', values['value-bytes'], 1),
    partitions: wholeNumber('partitions', values.partitions, 1),
    runs: wholeNumber('runs', values.runs, 1),
    contenders: WAN_CONTENDERS.filter((c) => contenders.includes(c)),
    latencyRate: wholeNumber('latency-rate', values['latency-rate'], 1),
    latencySeconds: wholeNumber('latency-seconds', values['latency-seconds'], 0),
    heap: values.heap,
    workers: wholeNumber('workers', values.workers, 1),
    isJson: values.json,
    isHelp: values.help,
  };
}
