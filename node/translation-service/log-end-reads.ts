/**
 * The log ends of a region's topics as translations count records after a frontier. A topic's read is shared
 * by the calls within NODE_DEFAULTS.logEndMaxAgeMs of it (a checkpoint round or a failover asks for the same
 * topics once per group): the records counted are those held at that read. A failed read is not shared.
 */
import { NODE_DEFAULTS } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { LocalCluster } from './translation-types.ts';

export class LogEndReads {
  readonly #reads = new Map<string, { atMs: number; ends: Promise<Map<number, number> | undefined> }>();
  readonly #cluster: Pick<LocalCluster, 'topicRanges'>;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(cluster: Pick<LocalCluster, 'topicRanges'>, now: () => number, logger: Logger) {
    this.#cluster = cluster;
    this.#now = now;
    this.#logger = logger;
  }

  /** The log ends of the partitions' topics (partition → log end); a topic that cannot be read is left out. */
  async of(tps: readonly { topic: string }[]): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    const now = this.#now();
    for (const topic of new Set(tps.map((t) => t.topic))) {
      let read = this.#reads.get(topic);
      if (!read || now - read.atMs > NODE_DEFAULTS.logEndMaxAgeMs) {
        const ends = this.#cluster
          .topicRanges(topic)
          .then((ranges) => (ranges ? new Map(ranges.map((r) => [r.partition, r.logEnd])) : undefined));
        read = { atMs: now, ends };
        this.#reads.set(topic, read);
        ends.catch(() => {
          if (this.#reads.get(topic)?.ends === ends) this.#reads.delete(topic);
        });
      }
      try {
        const ends = await read.ends;
        if (ends) out.set(topic, ends);
      } catch (err) {
        this.#logger.info({ topic, err }, 'log end not read: records after the frontier not counted');
      }
    }
    return out;
  }
}
