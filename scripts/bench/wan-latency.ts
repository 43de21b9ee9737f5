/**
 * bench:wan's latency part: for one contender at one delay, records written into a at a fixed rate and
 * timed from their CreateTime to their arrival in b (measureLatency, latency.ts), every cross-region
 * connection through the WAN proxy; MirrorMaker 2 with its default settings, as bench:mirrormaker measures it.
 */
import { measureLatency } from './latency.ts';
import { waitForProbes, writeProbes } from './mirror-latency.ts';
import { createTopics, deleteTopics } from './mirror-steps.ts';
import {
  IDLE_TOPIC,
  assertProxied,
  isStreaming,
  proxiedBytes,
  startMirrorThroughWan,
  type WanBench,
} from './wan-backlog.ts';
import type { WanContender } from './wan-options.ts';
import type { LatencyRow } from './wan-report.ts';
import { applyVersion } from './wan-versions.ts';

export async function latencyAt(
  bench: WanBench,
  contender: WanContender,
  delayMs: number,
): Promise<LatencyRow> {
  const { mesh, config } = bench;
  const a = mesh.kafka['a']!;
  const b = mesh.kafka['b']!;
  const topic =
    contender === 'mirrormaker' ? `mirror-latency-d${delayMs}` : `wan-latency-${contender}-d${delayMs}`;
  for (const proxy of mesh.between('a', 'b')) proxy.setDelay(delayMs);
  await createTopics(a, [topic], config.partitions);
  // One record before the contender starts: measuring begins once it reached b.
  await writeProbes(a, [topic]);
  const before = proxiedBytes(mesh);
  const mirror = contender === 'mirrormaker' ? startMirrorThroughWan(bench, topic, false) : undefined;
  try {
    if (contender !== 'mirrormaker') await applyVersion(mesh, [IDLE_TOPIC, topic], contender);
    await waitForProbes(b, [topic], () => {
      if (mirror?.state === 'exited')
        throw new Error(`${mirror.name} exited before measuring:\n${mirror.logTail(30)}`);
      if (!mesh.isRunning('b')) throw new Error("b's geomesh node exited before measuring");
    });
    const options = {
      rate: config.latencyRate,
      seconds: config.latencySeconds,
      size: config.valueBytes,
      partitions: config.partitions,
    };
    const figures = await measureLatency(
      a,
      b,
      topic,
      topic,
      options,
      mirror ? undefined : () => mesh.metrics('b'),
    );
    // The latency part's values are one random value again and again: a stream compresses them to little, so
    // a streaming link is checked by its path instead of its bytes.
    if (contender !== 'stream')
      assertProxied(contender, before, proxiedBytes(mesh), figures.received * config.valueBytes);
    else if (!(await isStreaming(mesh)))
      throw new Error("latency: b's link was not on the stream path at the end");
    return { contender, delayMs, ...figures };
  } finally {
    if (mirror) {
      await mirror.stop(15_000);
      bench.live.delete(mirror);
    } else await applyVersion(mesh, [IDLE_TOPIC], 'stream');
    await Promise.all([deleteTopics(a, topic), deleteTopics(b, topic)]);
  }
}
