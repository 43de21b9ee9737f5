/**
 * WAN bytes in a full mesh: three regions a, b, c whose every cross-region connection goes through the WAN
 * proxy (`--delay-ms` each way, default 40), equal writes of 1 KiB records in every region, first with the
 * links pulling, then streaming (docs/record-stream.md). Per source region X: the bytes the proxies in front of
 * X's cluster and X's node delivered to the other regions (what crossed the WAN out of X: fetches, metadata,
 * streams, RPCs), per byte of X's records the other regions' links wrote (key and value). Pulling, each link
 * reads X's whole log (X's records and the replicas of the others'), so about N× what it needs in an N-region
 * mesh; streaming, X's node sends each region only X's own. Every round is audited (each record once, in order
 * per origin, nothing back home). Figures printed, and as JSON with `--json FILE`; never asserted.
 *
 *   npm run bench:wan-mesh [-- --records 3000 --delay-ms 40 --json out.json]
 *
 * The values are a counter padded with one repeated character: they compress far better than real payloads,
 * so the compressed stream's figure is a floor; its figure before compression is printed beside it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { metricSum } from '../test/support/polling.ts';
import { pullTopologyFile, restartNodes, waitLinkPath, writeAndAudit } from '../test/support/stream-mesh.ts';
import { WanMesh } from '../test/support/wan-mesh.ts';

const HELP = `npm run bench:wan-mesh [-- options]

WAN bytes per byte of records written, per source region, in a 3-region full mesh through WAN proxies,
pulling then streaming; each round audited.

  --records N     records each region writes per round (default 3000)
  --delay-ms MS   one-way delay of every proxy (default 40)
  --json FILE     also write the figures as JSON
  --help          this text`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      records: { type: 'string', default: '3000' },
      'delay-ms': { type: 'string', default: '40' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  console.error(`bench:wan-mesh: ${(err as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const wholeAtLeast = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    console.error(`bench:wan-mesh: --${name} must be a whole number ≥ ${min}, got "${text}"\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};
const RECORDS = wholeAtLeast('records', values.records, 1);
const DELAY_MS = wholeAtLeast('delay-ms', values['delay-ms'], 0);
const REGIONS = ['a', 'b', 'c'] as const;
const log = (line: string): void => void process.stderr.write(`[bench:wan-mesh] ${line}\n`);

interface SourceFigures {
  path: 'pull' | 'stream';
  from: string;
  wanBytes: number;
  writtenBytes: number;
  wanBytesPerWrittenByte: number;
  /** Streaming: the bytes of the streams out of `from` before compression, per written byte. */
  uncompressedPerWrittenByte: number | null;
}

const mesh = await WanMesh.start({
  mesh: 'wan-mesh',
  regions: REGIONS,
  topics: ['wm-pull', 'wm-stream'],
  topicPattern: 'wm-.*',
  etcdProxied: [],
  delayMs: DELAY_MS,
  defaults: ['options: { transport: stream }'],
  key: randomBytes(32).toString('hex'),
});
let exitCode = 0;
const figures: SourceFigures[] = [];
try {
  /** Bytes out of `from` over the WAN: its cluster's and its node's proxies, towards every caller. */
  const wanOut = (from: string) => mesh.env.wan(from).bytes.down + mesh.peerProxy(from).bytes.down;
  /** Summed over the other regions' metrics: `name` of the links from `from`. */
  const fromSum = async (from: string, name: string) => {
    let n = 0;
    for (const r of REGIONS) if (r !== from) n += metricSum(await mesh.metrics(r), name, `from="${from}"`);
    return n;
  };
  const round = async (path: 'pull' | 'stream', topic: string) => {
    const before = new Map<string, { wan: number; written: number; plain: number }>();
    for (const from of REGIONS)
      before.set(from, {
        wan: wanOut(from),
        written: await fromSum(from, 'geomesh_replicated_bytes_total'),
        plain: await fromSum(from, 'geomesh_link_stream_uncompressed_bytes_total'),
      });
    log(`${path}: ${RECORDS} records of 1 KiB written in each region, through ${DELAY_MS} ms each way`);
    await writeAndAudit(mesh, topic, {
      regions: REGIONS,
      records: RECORDS,
      valueBytes: 1_024,
      convergeMs: 300_000,
    });
    for (const from of REGIONS) {
      const b = before.get(from)!;
      const wanBytes = wanOut(from) - b.wan;
      const writtenBytes = (await fromSum(from, 'geomesh_replicated_bytes_total')) - b.written;
      const plain = (await fromSum(from, 'geomesh_link_stream_uncompressed_bytes_total')) - b.plain;
      figures.push({
        path,
        from,
        wanBytes,
        writtenBytes,
        wanBytesPerWrittenByte: wanBytes / writtenBytes,
        uncompressedPerWrittenByte: path === 'stream' ? plain / writtenBytes : null,
      });
    }
  };
  // Pulling: every node again on a copy of the topology whose links pull.
  await restartNodes(mesh, REGIONS, pullTopologyFile(mesh));
  await round('pull', 'wm-pull');
  await restartNodes(mesh, REGIONS);
  for (const to of REGIONS)
    for (const from of REGIONS) if (from !== to) await waitLinkPath(mesh, to, from, 'stream');
  await round('stream', 'wm-stream');
  console.log(
    `WAN bytes per byte of records written, 3-region full mesh, ${DELAY_MS} ms each way, ${RECORDS} records ` +
      `of 1 KiB per region per round, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log('path    from  WAN bytes out  written bytes  WAN/written  before compression');
  for (const f of figures)
    console.log(
      `${f.path.padEnd(8)}${f.from.padEnd(6)}${String(f.wanBytes).padEnd(15)}${String(f.writtenBytes).padEnd(15)}` +
        `${f.wanBytesPerWrittenByte.toFixed(3).padEnd(13)}${f.uncompressedPerWrittenByte?.toFixed(3) ?? '-'}`,
    );
  console.log(
    'every round audited: each record once in every region, in order per origin, nothing back home',
  );
  if (values.json)
    writeFileSync(
      values.json,
      `${JSON.stringify({ delayMs: DELAY_MS, records: RECORDS, figures }, null, 2)}\n`,
    );
} catch (err) {
  console.error(`[bench:wan-mesh] FAILED: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await mesh.stop();
}
process.exit(exitCode);
