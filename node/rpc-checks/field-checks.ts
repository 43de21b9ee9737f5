/**
 * The field rules every geomesh RPC request follows, and their bounds (declared here once): what a region,
 * consumer group, topic, partition, offset, time or list may be. Each check throws
 * GEOMESH_RPC_INVALID_ARGUMENT (or NOT_FOUND for a region the mesh does not have) naming the field, the
 * value (cut to 64 characters) and the rule. Pure: no I/O.
 */
import { GeomeshError } from '../../base/index.ts';

/** Bounds of what an RPC request may carry. */
export const RPC_LIMITS = Object.freeze({
  /** Longest consumer group id (Kafka sets none; a longer one is surely not a real group). */
  maxGroupLength: 1024,
  /** Longest topic name (Kafka's own limit). */
  maxTopicLength: 249,
  /** Longest instance id, progress id and other free-form identifiers. */
  maxIdLength: 253,
  /** Highest partition number + 1 (Kafka sets none; far above any real topic). */
  maxPartitions: 1_000_000,
  /** Most topics one request names. */
  maxTopics: 10_000,
  /** Most partitions one Seek or one checkpoint carries. */
  maxPartitionsPerRequest: 100_000,
  /** Most checkpoints one push carries (a region pushes one per consumer group). */
  maxCheckpoints: 100_000,
  /** Most provenance key ids a node verifies with. */
  maxKeyIds: 16,
  /** Most origin regions one frontier names. */
  maxOrigins: 256,
  /** Most group patterns of a Failover, and the longest pattern. */
  maxPatterns: 100,
  maxPatternLength: 1000,
});

/** The largest offset or time a request may carry: int64 values above 2^53 - 1 do not fit a number exactly. */
export const MAX_WIRE_INTEGER = Number.MAX_SAFE_INTEGER;

/** A region name: a lowercase DNS label, as the topology schema has it. */
const REGION_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Kafka's topic name rule (kafka.common.internals.Topic): ASCII letters, digits, `.`, `_`, `-`. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function invalid(field: string, message: string): GeomeshError {
  return new GeomeshError('GEOMESH_RPC_INVALID_ARGUMENT', `${field}: ${message}`, { details: { field } });
}

/** A value for a message: JSON-quoted, cut to 64 characters. */
export function shown(value: string): string {
  return value.length > 64
    ? `${JSON.stringify(value.slice(0, 64))}… (${value.length} characters)`
    : JSON.stringify(value);
}

/** A name or id: non-empty, at most `max` characters, well-formed Unicode without control characters. */
export function requireText(value: string, field: string, max: number): void {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${typeof value}`);
  if (value === '') throw invalid(field, 'is empty');
  if (value.length > max) throw invalid(field, `${shown(value)} is longer than ${max} characters`);
  if (!value.isWellFormed()) throw invalid(field, `${shown(value)} is not valid Unicode (lone surrogate)`);
  if (CONTROL.test(value)) throw invalid(field, `${shown(value)} holds a control character`);
  if (value.includes('\ufffd'))
    throw invalid(field, `${shown(value)} holds U+FFFD: it was not valid UTF-8 where it came from`);
}

/** A well-formed region name (a lowercase DNS label), of the mesh or not. */
export function requireRegionName(value: string, field: string): void {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'names no region');
  if (!REGION_NAME.test(value))
    throw invalid(
      field,
      `${shown(value)} is not a region name (a lowercase DNS label: a-z, 0-9, -; at most 63)`,
    );
}

/** A region of the mesh (NOT_FOUND for a well-formed name the mesh does not have). */
export function requireRegion(value: string, field: string, regions: readonly string[]): void {
  requireRegionName(value, field);
  if (!regions.includes(value)) {
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `${field}: unknown region ${shown(value)}; the mesh has ${regions.join(', ')}`,
      { details: { field, region: value.slice(0, 64) } },
    );
  }
}

/** A consumer group id. */
export function requireGroup(value: string, field: string): void {
  requireText(value, field, RPC_LIMITS.maxGroupLength);
}

/** A legal Kafka topic name. */
export function requireTopic(value: string, field: string): void {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'names no topic');
  if (value.length > RPC_LIMITS.maxTopicLength)
    throw invalid(field, `${shown(value)} is longer than Kafka's ${RPC_LIMITS.maxTopicLength} characters`);
  if (!TOPIC_NAME.test(value) || value === '.' || value === '..')
    throw invalid(field, `${shown(value)} is not a Kafka topic name (letters, digits, '.', '_', '-')`);
}

/** A partition number: 0 ≤ n < maxPartitions. */
export function requirePartition(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= RPC_LIMITS.maxPartitions)
    throw invalid(field, `${value} is not a partition number (0 to ${RPC_LIMITS.maxPartitions - 1})`);
}

/** An offset, or -1 for none: -1 ≤ n ≤ 2^53 - 1. */
export function requireOffset(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < -1)
    throw invalid(field, `${value} is not an offset (-1 for none, up to ${MAX_WIRE_INTEGER})`);
}

/** Milliseconds since the Unix epoch; 0 allowed only when `isZeroAllowed`. */
export function requireTime(value: number, field: string, isZeroAllowed = false): void {
  if (!Number.isSafeInteger(value) || value < 0 || (value === 0 && !isZeroAllowed))
    throw invalid(field, `${value} is not a time in milliseconds since the Unix epoch`);
}

/** A list of at most `max` entries. */
export function requireAtMost(list: readonly unknown[], max: number, field: string, what: string): void {
  if (list.length > max) throw invalid(field, `${list.length} ${what}; at most ${max}: split the call`);
}

/** A list of topic names (each legal), at most RPC_LIMITS.maxTopics. */
export function requireTopics(topics: readonly string[], field: string): void {
  requireAtMost(topics, RPC_LIMITS.maxTopics, field, 'topics');
  topics.forEach((t, i) => requireTopic(t, `${field}[${i}]`));
}

/**
 * `handlers` with each request checked by `checks` (one per handler method) against `scope()`, read at each
 * call, first: a refused request rejects and never reaches its handler.
 */
export function checkedHandlers<H extends object, Scope>(
  handlers: H,
  checks: { readonly [K in keyof H]: (request: never, scope: Scope) => void },
  scope: () => Scope,
): H {
  const checked: Record<string, unknown> = {};
  for (const key of Object.keys(checks) as (keyof H & string)[]) {
    const check = checks[key] as (request: unknown, scope: Scope) => void;
    const handle = handlers[key] as (request: unknown, context: unknown) => Promise<unknown>;
    checked[key] = async (request: unknown, context: unknown): Promise<unknown> => {
      check(request, scope());
      return await handle.call(handlers, request, context);
    };
  }
  return checked as H;
}
