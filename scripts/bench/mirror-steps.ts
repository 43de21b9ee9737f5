/**
 * The steps of `npm run bench:mirrormaker` that touch the brokers: topics made and removed, a tool waited for,
 * a replicator's copy timed (from its first copied record to its last, CPU of its process tree between).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { ManagedProcess } from '../../test/harness/index.ts';
import type { CopyFigures } from './mirror-report.ts';
import {
  busyShare,
  machineTicks,
  type MachineTicks,
  PeakRss,
  treeCpuSeconds,
  treesCpuSeconds,
} from './process-tree.ts';

const POLL_MS = 50;
const MB = 1e6;
const MIB = 2 ** 20;

export async function endOffsetSum(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, o) => n + Number(o.high), 0);
}

/** Waits for a tool to end; throws with its log when it failed. */
export async function finished(tool: ManagedProcess): Promise<string> {
  const code = await tool.exited;
  const output = tool.logTail(200);
  if (code !== 0) throw new Error(`${tool.name} exited with ${code}:\n${output}`);
  return output;
}

/** What timeCopy watches of a replicator: a ManagedProcess, or a process started otherwise (a mesh's node). */
export type CopyContender = Pick<ManagedProcess, 'name' | 'pid' | 'state' | 'logTail'>;

/**
 * Times a replicator copying `count` records of `topic` into b: from the first copied record to the last.
 * Throws when it exits or makes no progress for a minute (two before its first record). `brokers`: the
 * brokers' process ids, whose CPU over the same span is reported beside the contender's.
 */
export async function timeCopy(
  contender: CopyContender,
  b: Kafka,
  topic: string,
  count: number,
  size: number,
  brokers: readonly number[] = [],
): Promise<CopyFigures> {
  // An admin client of its own: kafkajs keeps asking for the metadata of every topic an admin client ever
  // looked at, and fails every request once one of them is deleted (as the previous runs' are).
  const adminB = b.admin();
  await adminB.connect();
  try {
    return await timeCopyWith(contender, adminB, topic, count, size, brokers);
  } finally {
    await adminB.disconnect();
  }
}

async function timeCopyWith(
  contender: CopyContender,
  adminB: Admin,
  topic: string,
  count: number,
  size: number,
  brokers: readonly number[],
): Promise<CopyFigures> {
  const pid = contender.pid!;
  const startedAt = performance.now();
  const peak = new PeakRss(pid);
  let first:
    { at: number; copied: number; cpu: number; brokerCpu: number; machine: MachineTicks } | undefined;
  let copied = 0;
  let progressedAt = performance.now();
  // Offsets are asked for once the topic is listed: asked before, kafkajs retries the unknown topic for
  // seconds, long enough for a fast contender to copy everything unseen (then no rate can be measured).
  let isListed = false;
  for (;;) {
    if (contender.state === 'exited')
      throw new Error(`${contender.name} exited while copying:\n${contender.logTail(40)}`);
    isListed ||= (await adminB.listTopics().catch((): string[] => [])).includes(topic);
    const now = isListed ? await endOffsetSum(adminB, topic).catch(() => 0) : 0;
    const at = performance.now();
    peak.sample();
    if (now > copied) progressedAt = at;
    copied = now;
    if (!first && copied > 0)
      first = {
        at,
        copied,
        cpu: treeCpuSeconds(pid),
        brokerCpu: treesCpuSeconds(brokers),
        machine: machineTicks(),
      };
    if (copied >= count) break;
    if (at - progressedAt > (first ? 60_000 : 120_000))
      throw new Error(
        `${contender.name} stalled at ${copied} of ${count} records:\n${contender.logTail(40)}`,
      );
    await sleep(POLL_MS);
  }
  const cpu = treeCpuSeconds(pid);
  const brokerCpu = treesCpuSeconds(brokers);
  const machine = machineTicks();
  const seconds = (performance.now() - first!.at) / 1000;
  const measured = count - first!.copied;
  if (measured <= 0)
    throw new Error(
      `${contender.name} copied all ${count} records before the first look at b: no rate (more records, or b's topic created first)`,
    );
  return {
    recordsPerSecond: measured / seconds,
    megabytesPerSecond: (measured * size) / MB / seconds,
    cpuMicrosPerRecord: ((cpu - first!.cpu) * 1e6) / measured,
    peakRssMiB: peak.bytes() / MIB,
    secondsToFirstRecord: (first!.at - startedAt) / 1000,
    recordsInTarget: await endOffsetSum(adminB, topic),
    contenderCores: (cpu - first!.cpu) / seconds,
    brokerCores: (brokerCpu - first!.brokerCpu) / seconds,
    machineBusy: busyShare(first!.machine, machine),
  };
}

/**
 * Creates `topics` and waits until each answers for all its partitions (kafkajs' waitForLeaders fails at
 * once when a loaded broker does not list a topic created a moment ago).
 */
export async function createTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
    });
    const deadline = Date.now() + 60_000;
    for (const topic of topics)
      while ((await admin.fetchTopicOffsets(topic).catch(() => [])).length < partitions) {
        if (Date.now() > deadline) throw new Error(`topic ${topic} has no leaders after 60 s`);
        await sleep(200);
      }
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
