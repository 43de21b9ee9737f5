/**
 * The drill's writers: one per region, writing records `<region>:<seq>` (seq from 0, one batch at a time, so
 * the acknowledged records are exactly sequences 0 … acked-1) as fast as Kafka takes them (`fill`) or at a
 * steady rate (`steady`), until stopped or until a send fails (the region's broker killed).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';

type Producer = ReturnType<Kafka['producer']>;

export class LoadWriter {
  readonly region: string;
  /** Records acknowledged by the cluster (acks=all): sequences 0 … acked-1. */
  acked = 0;
  /** Why the writer stopped on its own (a failed send), if it did. */
  error: string | undefined;
  readonly #kafka: Kafka;
  readonly #topic: string;
  readonly #partitions: number;
  #producer: Producer | undefined;
  #loop: Promise<void> | undefined;
  #isStopping = false;

  constructor(kafka: Kafka, region: string, topic: string, partitions: number) {
    this.#kafka = kafka;
    this.region = region;
    this.#topic = topic;
    this.#partitions = partitions;
  }

  async #send(count: number): Promise<void> {
    this.#producer ??= this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.#producer.connect();
    const messages = [];
    for (let seq = this.acked; seq < this.acked + count; seq++)
      messages.push({
        partition: seq % this.#partitions,
        key: `k-${seq % 97}`,
        value: `${this.region}:${seq}`,
      });
    await this.#producer.send({ topic: this.#topic, acks: -1, messages });
    this.acked += count;
  }

  /** Writes `count` records as fast as the cluster takes them (batches of 500). */
  async fill(count: number): Promise<void> {
    const end = this.acked + count;
    while (this.acked < end) await this.#send(Math.min(500, end - this.acked));
  }

  /** Writes `perSecond` records a second in the background (a batch every 200 ms) until stop(). */
  steady(perSecond: number): void {
    const batch = Math.max(1, Math.round(perSecond / 5));
    this.#isStopping = false;
    this.#loop = (async () => {
      while (!this.#isStopping) {
        const began = performance.now();
        try {
          await this.#send(batch);
        } catch (err) {
          if (!this.#isStopping) this.error = (err as Error).message;
          return;
        }
        await sleep(Math.max(0, 200 - (performance.now() - began)));
      }
    })();
  }

  /** Stops writing; waits for the batch under way (or, when its cluster is gone, `boundMs` at most). */
  async stop(boundMs = 60_000): Promise<void> {
    this.#isStopping = true;
    if (this.#loop) await Promise.race([this.#loop, sleep(boundMs)]);
    this.#loop = undefined;
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer) await Promise.race([producer.disconnect().catch(() => undefined), sleep(5_000)]);
  }
}
