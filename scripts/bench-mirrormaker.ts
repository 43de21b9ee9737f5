/**
 * geomesh against Apache MirrorMaker 2 on the same brokers: `npm run bench:mirrormaker -- --help`.
 *
 * Two single-broker Kafka clusters a and b (and an etcd for the node), one link a → b. For each value size
 * and each run, every contender copies its own topic of a (the same backlog: N records of that size, made
 * by Kafka's producer performance tool, P partitions) into b:
 *
 * - MirrorMaker 2 in dedicated mode from the `connect-mirror` jars of the pinned Kafka version,
 *   IdentityReplicationPolicy, `tasks.max` = P, and the documented high-volume settings
 *   (MIRROR_THROUGHPUT_SETTINGS);
 * - `geomesh node` with its default settings, pinned with `taskset` to 1 core, 2 cores, … (`--cores`);
 * - the broker-pair limit L: Kafka's consumer performance tool reading the backlog from a while its
 *   producer performance tool writes as many records of the same size into b (the lower of the two rates).
 *
 * A contender is timed from the first record it copied to the last (end offsets of b polled every 50 ms), so
 * start-up is not counted; its CPU is that of its whole process tree (/proc) between those two moments, per
 * record copied; its peak RSS over its life. Figures are the median of `--runs` runs; the order of the
 * contenders rotates from run to run. Then end-to-end latency at a fixed rate: the replicators of
 * --contenders (and --baseline) at once (MirrorMaker 2 with its default settings), each on its own topic,
 * CreateTime → arrival in b; and again at half of MirrorMaker 2's median rate of this run, each alone.
 *
 * Output: a markdown table on stdout and in `<out>.md`, every figure in `<out>.json`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import kafkajs, { type Kafka } from 'kafkajs';
import { measureEach, measureRounds } from './bench/mirror-latency.ts';
import {
  PRODUCER_PERF_SETTINGS,
  consumerPerfRate,
  producerPerfRate,
  startConsumerPerf,
  startGeomeshNode,
  startMirrorMaker,
  startProducerPerf,
} from './bench/mirror-contenders.ts';
import {
  median,
  overRounds,
  renderMarkdown,
  summarise,
  type LatencyReport,
  type RunFigures,
} from './bench/mirror-report.ts';
import { createTopics, deleteTopics, finished, timeCopy } from './bench/mirror-steps.ts';
import {
  contenders,
  coreCounts,
  halfRateSeconds,
  latency,
  latencyRounds,
  machineCores,
  nodeArgs,
  partitions,
  recordsFor,
  requestedCores,
  runs,
  sizes,
  values,
  workersFor,
} from './bench/mirror-options.ts';
import { gatedSocketFactory } from '../node/kafka/index.ts';
import type { ManagedProcess } from '../test/harness/index.ts';

const { Kafka: KafkaClient, logLevel } = kafkajs;

const MB = 1e6;

const log = (line: string): void => console.error(line);

function client(brokers: readonly string[], clientId: string): Kafka {
  return new KafkaClient({
    clientId,
    brokers: [...brokers],
    connectionTimeout: 3_000,
    logLevel: logLevel.NOTHING,
    // Without Nagle's algorithm, as Kafka's own clients: the latency probes add no delay of their own.
    socketFactory: gatedSocketFactory(),
  });
}

async function main(): Promise<void> {
  const { TestEnvironment, ensureKafkaJars, ensureMirrorJars, removeAtExit } =
    await import('../test/harness/index.ts');
  await ensureKafkaJars(undefined, log);
  const mirrorClasspath = await ensureMirrorJars(undefined, log);
  const loadAtStart = loadavg()[0] ?? 0;
  const env = await TestEnvironment.start({ kafka: ['a', 'b'], etcd: true, kafkaJit: 'full' });
  const dir = mkdtempSync(join(tmpdir(), 'geomesh-bench-mm2-'));
  if (!values.keep) removeAtExit(dir);
  const live = new Set<ManagedProcess>();
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled([...live].map((p) => p.stop(15_000)));
    live.clear();
  };
  try {
    const brokersA = env.cluster('a').bootstrapServers;
    const brokersB = env.cluster('b').bootstrapServers;
    // Their CPU during each copy is reported beside the contender's: on one machine they share its cores.
    const brokerPids = [env.cluster('a').pid, env.cluster('b').pid].filter((p) => p !== undefined);
    const a = client(brokersA, 'bench-a');
    const b = client(brokersB, 'bench-b');
    const etcd = env.etcd!.endpoints[0]!;
    const keyHex = (await import('node:crypto')).randomBytes(32).toString('hex');
    const heap = values.heap;
    log(
      `Kafka ${env.cluster('a').version}, ${machineCores} cores (${cpus()[0]?.model.trim() ?? '?'}), ` +
        `load average ${loadAtStart.toFixed(2)}; work in ${dir}`,
    );
    if (coreCounts.length < requestedCores.length)
      log(
        `  (--cores: this machine has ${machineCores}; left out ${requestedCores.filter((c) => c > machineCores).join(', ')})`,
      );

    const copying: { name: string; cores?: number; workers?: number; root?: string }[] = [];
    if (contenders.has('mirrormaker')) copying.push({ name: 'mirrormaker' });
    if (contenders.has('geomesh'))
      for (const cores of coreCounts) {
        const workers = workersFor(cores);
        const suffix = `${cores}c${workers === undefined ? '' : `-${workers}w`}`;
        copying.push({ name: `geomesh-${suffix}`, cores, ...(workers !== undefined && { workers }) });
        if (values.baseline)
          copying.push({
            name: `baseline-${suffix}`,
            cores,
            ...(workers !== undefined && { workers }),
            root: resolve(values.baseline),
          });
      }

    const results: RunFigures[] = [];
    /** Writes the figures so far (after every size of every run, so a failure later loses none). */
    const save = (latencyReport?: LatencyReport, halfReport?: LatencyReport): string => {
      const report = {
        environment: {
          kafkaVersion: env.cluster('a').version,
          node: process.version,
          cores: machineCores,
          cpu: cpus()[0]?.model.trim(),
          loadAverageAtStart: Number(loadAtStart.toFixed(2)),
          loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
        },
        settings: {
          runs,
          partitions,
          sizes,
          records: Object.fromEntries(sizes.map((s) => [s, recordsFor(s)])),
          heap,
        },
        ...summarise(results, latencyReport, halfReport),
        runs: results,
      };
      const out = resolve(values.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(`${out}.json`, JSON.stringify(report, null, 2) + '\n');
      const markdown = renderMarkdown(report);
      writeFileSync(`${out}.md`, markdown);
      return markdown;
    };
    for (let run = 1; run <= runs; run++) {
      for (const size of sizes) {
        const count = recordsFor(size);
        const prefix = `mm-r${run}-${size}b-`;
        const figures: RunFigures = { run, size, records: count, contenders: {} };
        // The backlog of every contender of this run first, so that no writing overlaps a measurement.
        const topicOf = (name: string): string => `${prefix}${name}`;
        const backlogs = copying.length > 0 ? copying.map((c) => topicOf(c.name)) : [topicOf('limit-source')];
        await createTopics(a, backlogs, partitions);
        log(`run ${run}/${runs}, ${size} B: writing ${backlogs.length} × ${count} records into a …`);
        for (const topic of backlogs) {
          const tool = startProducerPerf({
            classpath: mirrorClasspath,
            dir,
            brokers: brokersA,
            topic,
            records: count,
            size,
            properties: PRODUCER_PERF_SETTINGS,
            heap,
          });
          live.add(tool);
          await finished(tool);
          live.delete(tool);
        }

        if (contenders.has('limit')) {
          await createTopics(b, [topicOf('limit')], partitions);
          const consumer = startConsumerPerf({
            classpath: mirrorClasspath,
            dir,
            brokers: brokersA,
            topic: backlogs[0]!,
            records: count,
            heap,
          });
          const producer = startProducerPerf({
            classpath: mirrorClasspath,
            dir,
            brokers: brokersB,
            topic: topicOf('limit'),
            records: count,
            size,
            properties: PRODUCER_PERF_SETTINGS,
            heap,
          });
          live.add(consumer).add(producer);
          const [consumed, produced] = await Promise.all([finished(consumer), finished(producer)]);
          live.delete(consumer);
          live.delete(producer);
          const rates = { consumer: consumerPerfRate(consumed), producer: producerPerfRate(produced) };
          const recordsPerSecond = Math.min(rates.consumer, rates.producer);
          figures.limit = { recordsPerSecond, megabytesPerSecond: (recordsPerSecond * size) / MB, ...rates };
          log(
            `  L: ${Math.round(recordsPerSecond)} records/s (consumer on a ${Math.round(rates.consumer)}, producer on b ${Math.round(rates.producer)})`,
          );
        }

        // The order rotates from run to run, so that no contender always goes first.
        const order = copying.map((_, i) => copying[(i + run - 1) % copying.length]!);
        for (const contender of order) {
          const topic = topicOf(contender.name);
          const started =
            contender.name === 'mirrormaker'
              ? startMirrorMaker({
                  classpath: mirrorClasspath,
                  dir,
                  source: brokersA,
                  target: brokersB,
                  topics: topic,
                  tasks: partitions,
                  tuned: true,
                  heap,
                })
              : (
                  await startGeomeshNode({
                    dir,
                    etcd,
                    source: brokersA,
                    target: brokersB,
                    topics: topic,
                    provenanceKeyHex: keyHex,
                    cores: contender.cores!,
                    ...(contender.workers !== undefined && { workers: contender.workers }),
                    nodeArgs,
                    ...(contender.root && { root: contender.root }),
                  })
                ).process;
          live.add(started);
          try {
            const copy = await timeCopy(started, b, topic, count, size, brokerPids);
            figures.contenders[contender.name] = copy;
            log(
              `  ${contender.name}: ${Math.round(copy.recordsPerSecond)} records/s, ${copy.cpuMicrosPerRecord.toFixed(1)} µs CPU/record, ` +
                `peak RSS ${Math.round(copy.peakRssMiB)} MiB, load average ${(loadavg()[0] ?? 0).toFixed(2)}; ` +
                `cores: it ${copy.contenderCores.toFixed(2)}, brokers ${copy.brokerCores.toFixed(2)}, machine ${Math.round(copy.machineBusy * 100)} % busy` +
                (copy.recordsInTarget !== count ? ` — b holds ${copy.recordsInTarget} of ${count}!` : ''),
            );
          } finally {
            await started.stop(15_000);
            live.delete(started);
          }
        }
        results.push(figures);
        save();
        await Promise.all([deleteTopics(a, prefix), deleteTopics(b, prefix)]);
      }
    }

    const latencyContext = {
      names: (['mirrormaker', 'geomesh', 'baseline', 'floor'] as const).filter((c) =>
        c === 'baseline' ? values.baseline !== undefined : contenders.has(c),
      ),
      ...(values.baseline !== undefined && { baselineRoot: resolve(values.baseline) }),
      nodeArgs,
      mirrorTuned: values['latency-mirror-tuned'],
      ...(workersFor(machineCores) !== undefined && { workers: workersFor(machineCores)! }),
      a,
      b,
      dir,
      etcd,
      keyHex,
      classpath: mirrorClasspath,
      brokersA,
      brokersB,
      heap,
      live,
    };
    let latencyReport: LatencyReport | undefined;
    if (latency.seconds > 0 && copying.length > 0) {
      const together = !values['latency-alone'];
      log(
        `latency: ${latency.rate} records/s of ${latency.size} B for ${latency.seconds} s, ${together ? 'all at once' : 'each alone'} …`,
      );
      const figures = overRounds(
        await measureRounds({
          ...latencyContext,
          latency,
          topicPrefix: 'mm-latency-',
          rounds: latencyRounds,
          together,
        }),
      );
      latencyReport = { ...latency, together, mirrorTuned: values['latency-mirror-tuned'], ...figures };
      save(latencyReport);
    }
    let halfReport: LatencyReport | undefined;
    const mirrorRates = results.flatMap((r) =>
      r.size === latency.size && r.contenders.mirrormaker ? [r.contenders.mirrormaker.recordsPerSecond] : [],
    );
    if (halfRateSeconds > 0 && mirrorRates.length > 0) {
      const half = { ...latency, rate: Math.round(median(mirrorRates) / 2), seconds: halfRateSeconds };
      log(
        `latency: ${half.rate} records/s of ${half.size} B (half of MirrorMaker 2's median) for ${half.seconds} s, each alone …`,
      );
      const figures = await measureEach({ ...latencyContext, latency: half, topicPrefix: 'mm-half-' });
      halfReport = {
        ...half,
        together: false,
        basis: "half of MirrorMaker 2's median rate",
        mirrorTuned: values['latency-mirror-tuned'],
        ...figures,
      };
    } else if (halfRateSeconds > 0)
      log(
        `latency at half of MirrorMaker 2's rate skipped: no MirrorMaker 2 copy of ${latency.size} B in this run`,
      );

    const markdown = save(latencyReport, halfReport);
    console.log(markdown);
    log(`figures in ${resolve(values.out)}.json and .md`);
  } finally {
    await stopAll();
    await env.stop();
    if (values.keep) log(`work folder kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
