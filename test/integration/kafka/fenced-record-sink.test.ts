/**
 * Zombie fencing at the broker (node/kafka/fenced-record-sink.ts), on a real Kafka broker: two sinks play the
 * old and the new owner of a target partition (one transactional id). The old owner's requests of one kind
 * are held in its socket — written to the kernel only when the test says — as a network or a frozen process
 * would hold them; meanwhile the new owner fences and writes the same records. What the partition then holds
 * is read as a read_committed and as a read_uncommitted consumer would.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { FencedRecordSink, KafkaCluster, readPartitionRanges } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { RecordSet, type SourceBatch } from '../../../node/replication/index.ts';
import { TestEnvironment } from '../../harness/index.ts';
import { createTopic } from '../../support/kafka-topics.ts';
import { waitFor } from '../../support/polling.ts';

const PRODUCE = 0;
const END_TXN = 26;

/** Requests of `held.apiKey` wait in `held.writes` instead of reaching the kernel, while `held.apiKey` is set. */
interface Hold {
  apiKey: number | undefined;
  writes: (() => void)[];
}

function holdingSocketFactory(hold: Hold): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (...args: unknown[]) => {
      const chunk = args[0];
      if (hold.apiKey !== undefined && Buffer.isBuffer(chunk) && chunk.readInt16BE(4) === hold.apiKey) {
        hold.writes.push(() => write(...args));
        return true;
      }
      return write(...args);
    };
    return socket;
  };
}

function records(from: number, count: number): RecordSet {
  return RecordSet.of(
    Array.from({ length: count }, (_, i) => ({
    key: null,
      value: Buffer.from(`r${from + i}`),
      headers: {},
      timestamp: String(Date.now()),
    })),
  );
}

describe('fenced record sink: the next owner fences the old one at the broker', () => {
  let env: TestEnvironment;
  let brokers: string[];
  let reader: Kafka;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['k'] });
    brokers = env.cluster('k').bootstrapServers;
    reader = new Kafka({ brokers, clientId: 'reader', logLevel: logLevel.NOTHING });
  });

  after(async () => {
    await env?.stop();
  });

  /**
   * The values in the partition, as a read_committed and a read_uncommitted consumer see them. The broker
   * writes a transaction's commit markers after the commit has returned, so a read_committed read right after
   * it may end before the last transaction: the committed side is read again (for up to 15 s) until it holds
   * `atLeast` values; the assertions then judge what it holds.
   */
  async function contents(
    topic: string,
    atLeast: number,
  ): Promise<{ committed: string[]; uncommitted: string[] }> {
    const read = async (readUncommitted: boolean) => {
      const values: string[] = [];
      await readPartitionRanges(reader, topic, new Map([[0, 0]]), (r) => values.push(r.value!.toString()), {
        readUncommitted,
      });
      return values;
    };
    const deadline = Date.now() + 15_000;
    let committed = await read(false);
    while (committed.length < atLeast && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      committed = await read(false);
    }
    return { committed, uncommitted: await read(true) };
  }

  /** The old owner (its requests of `hold.apiKey` held) and the new owner, both fencing `topic`/0. */
  async function owners(topic: string) {
    await createTopic(reader, topic, 1);
    const hold: Hold = { apiKey: undefined, writes: [] };
    const ownership = { old: true, next: true };
    const sink = (name: 'old' | 'next', socketFactory?: ISocketFactory) =>
      new FencedRecordSink(
        new Kafka({
          brokers,
          clientId: name,
          logLevel: logLevel.NOTHING,
          retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
          ...(socketFactory && { socketFactory }),
        }),
        { transactionalId: () => `geomesh.test.fence.${topic}.0`, mayFence: () => ownership[name] },
      );
    return { hold, ownership, old: sink('old', holdingSocketFactory(hold)), next: sink('next') };
  }

  /**
   * The old owner writes r0–r9, then r10–r14 with its requests of `apiKey` held; its lease runs out, the next
   * owner fences and writes r10–r14 itself; then the held request reaches the broker. Returns what the
   * partition holds, once the old owner's late write failed as it must.
   */
  async function lateWriteAfterHandover(topic: string, apiKey: number) {
    const { hold, ownership, old, next } = await owners(topic);
    try {
      await old.fence(topic, 0);
      await old.recordSink().write(topic, 0, records(0, 10));
      hold.apiKey = apiKey;
      const late = old.recordSink().write(topic, 0, records(10, 5));
      await waitFor(() => hold.writes.length === 1, {
        timeoutMs: 10_000,
        intervalMs: 5,
        what: `request ${apiKey} held`,
      });
      ownership.old = false;
      await next.fence(topic, 0);
      await next.recordSink().write(topic, 0, records(10, 5));
      hold.apiKey = undefined;
      hold.writes.shift()!();
      await assert.rejects(late, { code: 'GEOMESH_REPLICATION_NOT_OWNER' });
      return await contents(topic, 15);
    } finally {
      await old.stop();
      await next.stop();
    }
  }

  const expected = Array.from({ length: 15 }, (_, i) => `r${i}`);

  it('a Produce of the old owner that reaches the broker after the fence is refused: nothing of it in the log', async () => {
    const { committed, uncommitted } = await lateWriteAfterHandover('fence-produce', PRODUCE);
    assert.deepEqual(committed, expected, 'read_committed: every record once');
    assert.deepEqual(uncommitted, expected, 'read_uncommitted too: the late batch was refused, not aborted');
  });

  it('a commit of the old owner held until after the fence: its batch is aborted, visible only read_uncommitted', async () => {
    const { committed, uncommitted } = await lateWriteAfterHandover('fence-commit', END_TXN);
    assert.deepEqual(committed, expected, 'read_committed: every record once');
    assert.deepEqual(
      uncommitted,
      [...expected.slice(0, 10), ...expected.slice(10), ...expected.slice(10)],
      'read_uncommitted: the aborted batch, then the next owner’s copy',
    );
  });

  it('a read of a partition whose range ends in a commit marker ends, while other partitions are being written', async () => {
    const topic = 'fence-scan';
    await createTopic(reader, topic, 2);
    const sink = new FencedRecordSink(reader, {
      transactionalId: (t, p) => `geomesh.test.fence.${t}.${p}`,
      mayFence: () => true,
    });
    try {
      for (const p of [0, 1]) await sink.fence(topic, p);
      await sink.recordSink().write(topic, 1, records(0, 3));
      // Offsets 0–2 are the records, 3 the commit marker: a scan from 3 reads markers only.
      let isWriting = true;
      const writer = (async () => {
        while (isWriting) await sink.recordSink().write(topic, 0, records(0, 1));
      })();
      const startedAt = Date.now();
      let read = 0;
      await readPartitionRanges(reader, topic, new Map([[1, 3]]), () => read++, { timeoutMs: 15_000 });
      isWriting = false;
      await writer;
      console.log(
        `a range of markers only read in ${Date.now() - startedAt} ms while partition 0 was written`,
      );
      assert.equal(read, 0);
    } finally {
      await sink.stop();
    }
  });
  it('a record source reads past the commit marker: its batch ends at the high watermark (no lag left)', async () => {
    const topic = 'fence-lag';
    await createTopic(reader, topic, 1);
    const sink = new FencedRecordSink(reader, {
      transactionalId: (t, p) => `geomesh.test.fence.${t}.${p}`,
      mayFence: () => true,
    });
    const cluster = new KafkaCluster({ brokers, clientId: 'fence-lag', logger: silentLogger() });
    const source = cluster.recordSource({ groupId: 'fence-lag', logger: silentLogger() });
    try {
      await sink.fence(topic, 0);
      await sink.recordSink().write(topic, 0, records(0, 10));
      // Each batch as the link saw it: its records are read while it has them (once handled, a batch read in
      // place is released).
      const batches: (Omit<SourceBatch, 'records'> & { offsets: number[] })[] = [];
      await source.start(
        [topic],
        () => 0,
        (batch) => {
          batches.push({ ...batch, offsets: [...batch.records].map((r) => r.offset) });
          return Promise.resolve({ kind: 'done' as const });
        },
      );
      await waitFor(() => batches.some((b) => b.offsets.includes(9)), {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: 'the ten records read',
      });
      const last = batches.at(-1)!;
      // Offsets 0–9 are the records, 10 the commit marker; the high watermark is 11.
      assert.equal(last.offsets.at(-1), 9);
      assert.equal(last.highWatermark, 11);
      assert.equal(last.lastOffset, 10, 'the batch names the marker as its last entry');
    } finally {
      await source.stop();
      cluster.close();
      await sink.stop();
    }
  });
});
