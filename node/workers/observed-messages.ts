/**
 * The `observed` message between a worker thread and the main thread (docs/work-sharing.md, "Worker threads"):
 * a worker's link observer calls, coalesced between reports (counters as sums, gauges as last values, rare
 * events as calls), and their replay into the main thread's real observers (metrics).
 */
import type { LinkObserver } from '../replication/index.ts';

/** Counters as sums, gauges as last values, rare events as calls, since the last `observed` message. */
export interface ObservedMessage {
  v: 1;
  kind: 'observed';
  written: {
    from: string;
    topic: string;
    partition: number;
    records: number;
    bytes: number;
    latenciesMs: number[];
    /** The writes' held times (LinkObserver's `heldMs`), at most MAX_LATENCIES_PER_MESSAGE. */
    heldMs: number[];
  }[];
  counts: {
    from: string;
    what: 'dropped' | 'forged' | 'tooLarge' | 'unknownKey';
    label: string;
    count: number;
  }[];
  lags: { from: string; topic: string; partition: number; records: number }[];
  events: { from: string; what: 'halted' | 'truncated'; topic: string; partition: number; records: number }[];
}

/** Most latencies kept per link and topic between two `observed` messages (the histogram's sample). */
export const MAX_LATENCIES_PER_MESSAGE = 1_000;

/**
 * Records what links' observers are told, coalesced, until `take()`: a worker sends the result as one
 * `observed` message every interval and the main thread replays it into the real observers.
 */
export class ObserverRecorder {
  #written = new Map<string, ObservedMessage['written'][number]>();
  #counts = new Map<string, ObservedMessage['counts'][number]>();
  #lags = new Map<string, ObservedMessage['lags'][number]>();
  #events: ObservedMessage['events'] = [];

  /** The observer of the link from `from`. */
  observer(from: string): LinkObserver {
    const count = (what: ObservedMessage['counts'][number]['what'], label: string, n: number) => {
      const key = `${from}\u0000${what}\u0000${label}`;
      const entry = this.#counts.get(key);
      if (entry) entry.count += n;
      else this.#counts.set(key, { from, what, label, count: n });
    };
    return {
      written: ({ topic, partition, records, bytes, latenciesMs, heldMs }) => {
        const key = `${from}\u0000${topic}`;
        const entry = this.#written.get(key);
        if (!entry) {
          const kept = latenciesMs.slice(0, MAX_LATENCIES_PER_MESSAGE);
          const held = (heldMs ?? []).slice(0, MAX_LATENCIES_PER_MESSAGE);
          this.#written.set(key, { from, topic, partition, records, bytes, latenciesMs: kept, heldMs: held });
          return;
        }
        entry.records += records;
        entry.bytes += bytes;
        entry.partition = partition;
        const heldRoom = MAX_LATENCIES_PER_MESSAGE - entry.heldMs.length;
        if (heldMs !== undefined && heldRoom > 0) entry.heldMs.push(...heldMs.slice(0, heldRoom));
        const room = MAX_LATENCIES_PER_MESSAGE - entry.latenciesMs.length;
        // Over the cap the newest replace the tail, so the last latency (the lag gauge) stays the newest.
        if (room > 0) entry.latenciesMs.push(...latenciesMs.slice(0, room));
        else if (latenciesMs.length > 0)
          entry.latenciesMs[entry.latenciesMs.length - 1] = latenciesMs.at(-1)!;
      },
      dropped: (reason, n) => count('dropped', reason, n),
      forged: (n) => count('forged', '', n),
      tooLarge: (topic) => count('tooLarge', topic, 1),
      unknownKey: (n) => count('unknownKey', '', n),
      lag: (topic, partition, records) =>
        this.#lags.set(`${from}\u0000${topic}\u0000${partition}`, { from, topic, partition, records }),
      halted: (topic, partition) => this.#events.push({ from, what: 'halted', topic, partition, records: 0 }),
      truncated: (topic, partition, records) =>
        this.#events.push({ from, what: 'truncated', topic, partition, records }),
    };
  }

  /** What was recorded since the last call, or undefined when nothing was. */
  take(): ObservedMessage | undefined {
    if (this.#written.size + this.#counts.size + this.#lags.size + this.#events.length === 0)
      return undefined;
    const message: ObservedMessage = {
      v: 1,
      kind: 'observed',
      written: [...this.#written.values()],
      counts: [...this.#counts.values()],
      lags: [...this.#lags.values()],
      events: this.#events,
    };
    this.#written = new Map();
    this.#counts = new Map();
    this.#lags = new Map();
    this.#events = [];
    return message;
  }
}

/** Tells each link's real observer what an `observed` message recorded (unknown links are skipped). */
export function replayObserved(
  message: ObservedMessage,
  observerOf: (from: string) => LinkObserver | undefined,
): void {
  for (const w of message.written) observerOf(w.from)?.written(w);
  for (const { from, what, label, count } of message.counts) {
    const observer = observerOf(from);
    if (!observer) continue;
    if (what === 'dropped') observer.dropped(label as Parameters<LinkObserver['dropped']>[0], count);
    else if (what === 'forged') observer.forged(count);
    else if (what === 'unknownKey') observer.unknownKey?.(count);
    else for (let i = 0; i < count; i++) observer.tooLarge(label);
  }
  for (const l of message.lags) observerOf(l.from)?.lag(l.topic, l.partition, l.records);
  for (const e of message.events) {
    const observer = observerOf(e.from);
    if (e.what === 'halted') observer?.halted(e.topic, e.partition);
    else observer?.truncated(e.topic, e.partition, e.records);
  }
}
