/**
 * A failover (or failback) as an operation recorded in etcd, pure: the keys, the JSON v1 codecs and the
 * state machine that lets an interrupted operation be completed by running the same command again.
 *
 * Keys (relative to the mesh prefix):
 * - `failover-operations/<id>`: the operation: kind, regions, what the command asked, the groups it
 *   selected when it started, `running` or `done` (with the counts of committed and refused groups).
 * - `failover-operations/<id>/groups/<group>`: one group's progress: `translated` (the translation it
 *   will commit) or `committed` (the translation it committed). A group without a record is still to do.
 *
 * Ids sort by start time (`20260101T000000Z-1a2b3c4d`), so a listing is in the order operations began.
 *
 * The steps of a group (`groupStep`): no record → translate it, then commit; `translated` → commit the
 * recorded translation (never translated again: the source's position may have moved since); `committed` →
 * nothing (reported as committed earlier). An operation is `running` until one call has taken every group
 * to committed or refused; then `done`. While it runs, the same command (same kind, regions, names and
 * patterns) resumes it; another command for the same kind and regions is refused until it is done.
 */
import { GeomeshError } from '../../base/index.ts';
import { isValidName } from '../coordination-ports/index.ts';
import type { Translation } from '../translation-service/index.ts';

export type FailoverOperationKind = 'failover' | 'failback';
export type FailoverOperationState = 'running' | 'done';

/** What the command asked: group names, or patterns over the selected groups. */
export interface FailoverOperationAsk {
  readonly groups: readonly string[];
  readonly groupPatterns: readonly string[];
  readonly excludeGroupPatterns: readonly string[];
}

export interface FailoverOperationRecord {
  readonly id: string;
  readonly kind: FailoverOperationKind;
  readonly from: string;
  readonly to: string;
  readonly ask: FailoverOperationAsk;
  /** The groups the operation moves, chosen when it started. */
  readonly groups: readonly string[];
  readonly state: FailoverOperationState;
  /** ISO-8601. */
  readonly startedAt: string;
  /** done: when it ended, and how its groups ended. */
  readonly endedAt?: string;
  readonly committed?: number;
  readonly refused?: number;
}

export interface OperationGroupRecord {
  readonly group: string;
  readonly status: 'translated' | 'committed';
  readonly translation: Translation;
}

/** What a group of an operation needs next. */
export type GroupStep = 'translate' | 'commit' | 'none';

export const FAILOVER_OPERATIONS_PREFIX = 'failover-operations/';

/** `failover-operations/<id>`. */
export function operationKey(id: string): string {
  if (!/^\d{8}T\d{6}Z-[0-9a-f]{8}$/.test(id)) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `failover operation id ${JSON.stringify(id)} is invalid`,
      {
        details: { id: String(id) },
      },
    );
  }
  return `${FAILOVER_OPERATIONS_PREFIX}${id}`;
}

/** `failover-operations/<id>/groups/<group>`, the group's name escaped to one key segment. */
export function operationGroupKey(id: string, group: string): string {
  return `${operationKey(id)}/groups/${encodeURIComponent(group).replace(/\./g, '%2E')}`;
}

/** A new operation id: the start time to the second, then 8 random hex digits. */
export function newOperationId(now: Date, random: () => string = () => crypto.randomUUID()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${random().replace(/-/g, '').slice(0, 8)}`;
}

/** Which kind of key `key` is, with its id (and group). */
export function parseOperationKey(
  key: string,
): { id: string; group?: undefined } | { id: string; group: string } | undefined {
  const match = /^failover-operations\/(\d{8}T\d{6}Z-[0-9a-f]{8})(?:\/groups\/([^/]+))?$/.exec(key);
  if (!match) return undefined;
  if (match[2] === undefined) return { id: match[1]! };
  try {
    return { id: match[1]!, group: decodeURIComponent(match[2]) };
  } catch {
    return undefined;
  }
}

function corrupt(key: string, problem: string, cause?: unknown): GeomeshError {
  return new GeomeshError(
    'GEOMESH_COORD_CORRUPT',
    `failover operation ${key}: ${problem}; delete the operation's keys (${key.replace(/\/groups\/.*$/, '')}` +
      ' and below) and run the command again',
    { ...(cause !== undefined && { cause }), details: { key } },
  );
}

function parseObject(value: Buffer, key: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw corrupt(key, 'value is not JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw corrupt(key, 'value is not a JSON object');
  const r = parsed as Record<string, unknown>;
  if (r['v'] !== 1)
    throw corrupt(key, `unsupported format version ${JSON.stringify(r['v'])} (this geomesh reads version 1)`);
  return r;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function encodeOperation(op: FailoverOperationRecord): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...op }), 'utf8');
}

/** Decodes `encodeOperation`'s output; anything else is GEOMESH_COORD_CORRUPT naming `key`. */
export function decodeOperation(value: Buffer, key: string): FailoverOperationRecord {
  const r = parseObject(value, key);
  const ask = r['ask'] as Record<string, unknown> | undefined;
  if (
    typeof r['id'] !== 'string' ||
    (r['kind'] !== 'failover' && r['kind'] !== 'failback') ||
    typeof r['from'] !== 'string' ||
    !isValidName(r['from']) ||
    typeof r['to'] !== 'string' ||
    !isValidName(r['to']) ||
    !isStringList(r['groups']) ||
    (r['state'] !== 'running' && r['state'] !== 'done') ||
    typeof r['startedAt'] !== 'string' ||
    typeof ask !== 'object' ||
    ask === null ||
    !isStringList(ask['groups']) ||
    !isStringList(ask['groupPatterns']) ||
    !isStringList(ask['excludeGroupPatterns'])
  ) {
    throw corrupt(
      key,
      'a field is missing or of the wrong type (id, kind, from, to, ask, groups, state, startedAt)',
    );
  }
  const isDone = r['state'] === 'done';
  if (isDone && (typeof r['endedAt'] !== 'string' || !isCount(r['committed']) || !isCount(r['refused'])))
    throw corrupt(key, 'a done operation records endedAt, committed and refused');
  return {
    id: r['id'],
    kind: r['kind'],
    from: r['from'],
    to: r['to'],
    ask: {
      groups: ask['groups'],
      groupPatterns: ask['groupPatterns'],
      excludeGroupPatterns: ask['excludeGroupPatterns'],
    },
    groups: r['groups'],
    state: r['state'],
    startedAt: r['startedAt'],
    ...(isDone && {
      endedAt: r['endedAt'] as string,
      committed: r['committed'] as number,
      refused: r['refused'] as number,
    }),
  };
}

export function encodeGroupRecord(record: OperationGroupRecord): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...record }), 'utf8');
}

/** Decodes `encodeGroupRecord`'s output; the translation's partitions are checked for what a commit uses. */
export function decodeGroupRecord(value: Buffer, key: string): OperationGroupRecord {
  const r = parseObject(value, key);
  const t = r['translation'] as Translation | undefined;
  if (
    typeof r['group'] !== 'string' ||
    (r['status'] !== 'translated' && r['status'] !== 'committed') ||
    typeof t !== 'object' ||
    t === null ||
    !Array.isArray(t.partitions) ||
    !t.partitions.every(
      (p) =>
        typeof p === 'object' &&
        p !== null &&
        typeof p.topic === 'string' &&
        Number.isSafeInteger(p.partition) &&
        Number.isSafeInteger(p.targetOffset),
    )
  ) {
    throw corrupt(key, 'a group record needs group, status (translated or committed) and a translation');
  }
  return { group: r['group'], status: r['status'], translation: t };
}

/** Pure: what `group` needs next, from its record in the operation (undefined: none yet). */
export function groupStep(record: Pick<OperationGroupRecord, 'status'> | undefined): GroupStep {
  if (!record) return 'translate';
  return record.status === 'translated' ? 'commit' : 'none';
}

const sorted = (list: readonly string[]): string[] => [...list].sort();
const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && sorted(a).every((v, i) => v === sorted(b)[i]);

/** Pure: whether `ask` is what `op`'s command asked (names and patterns, in any order). */
export function isSameAsk(op: FailoverOperationRecord, ask: FailoverOperationAsk): boolean {
  return (
    sameList(op.ask.groups, ask.groups) &&
    sameList(op.ask.groupPatterns, ask.groupPatterns) &&
    sameList(op.ask.excludeGroupPatterns, ask.excludeGroupPatterns)
  );
}

/** The command line an operation's ask stands for, for the operator to run again. */
export function describeAsk(op: Pick<FailoverOperationRecord, 'kind' | 'from' | 'to' | 'ask'>): string {
  const words =
    op.kind === 'failover'
      ? [`geomesh failover --from ${op.from} --to ${op.to}`]
      : [`geomesh failback --region ${op.to} --from ${op.from}`];
  if (op.ask.groups.length) words.push(`--group ${op.ask.groups.join(' ')}`);
  if (op.ask.groupPatterns.length)
    words.push(`--group ${op.ask.groupPatterns.map((p) => `'${p}'`).join(' ')}`);
  if (op.ask.excludeGroupPatterns.length)
    words.push(`--exclude-group ${op.ask.excludeGroupPatterns.map((p) => `'${p}'`).join(' ')}`);
  return words.join(' ');
}

/**
 * Pure: of `ops`, the running one of `kind` from → to, if any. When its ask differs from `ask`, the call is
 * refused with GEOMESH_RPC_FAILED_PRECONDITION naming the command that completes it.
 */
export function runningOperation(
  ops: readonly FailoverOperationRecord[],
  kind: FailoverOperationKind,
  from: string,
  to: string,
  ask: FailoverOperationAsk,
): FailoverOperationRecord | undefined {
  const open = ops.find(
    (op) => op.state === 'running' && op.kind === kind && op.from === from && op.to === to,
  );
  if (open && !isSameAsk(open, ask)) {
    throw new GeomeshError(
      'GEOMESH_RPC_FAILED_PRECONDITION',
      `${kind} operation ${open.id} (${from} → ${to}, ${open.groups.length} groups, started ${open.startedAt}) ` +
        `was interrupted and is not complete; complete it first by running the same command again: ` +
        `${describeAsk(open)} (geomesh status lists it)`,
      { details: { operation: open.id } },
    );
  }
  return open;
}

/** Pure: `op` ended by a call that took every group to committed or refused. */
export function finishedOperation(
  op: FailoverOperationRecord,
  counts: { committed: number; refused: number },
  now: string,
): FailoverOperationRecord {
  return { ...op, state: 'done', endedAt: now, committed: counts.committed, refused: counts.refused };
}
