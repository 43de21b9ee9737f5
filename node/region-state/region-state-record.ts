/**
 * A region's state as recorded in etcd, pure: the key, the JSON v1 codec and the moves between states.
 *
 * Key: `regions/<region>/state` (relative to the mesh prefix). Value, JSON version 1:
 * `{"v":1,"state":"failed-over","to":"eu-west","groups":["billing"],"since":"2026-01-01T00:00:00.000Z","operation":"…"}`.
 * An absent key means `active` (a region never failed over).
 *
 * States and moves (`nextOnFailover`, `nextOnFailbackStart`, `nextOnFailbackFinish`):
 *
 *   active ──failover A→B──▶ failed-over (to B) ──failback start──▶ failing-back (from B) ──finish──▶ active
 *                                  ▲   │ failover A→B again: groups added       │ failover A→B: failed-over again
 *                                  └───┘                                         ▼
 *
 * A region failed over (or failing back) to B cannot be failed over to, or failed back from, another region C:
 * its groups run in B, so a translation from A or out of C would be wrong. The move is refused with
 * GEOMESH_RPC_FAILED_PRECONDITION naming the record and the fix. A failback that brings back only some of
 * the recorded groups (some named, or some refused) keeps the state with the groups left.
 */
import { isValidName } from '../coordination-ports/index.ts';
import { GeomeshError } from '../../base/index.ts';

/** What a region is doing: serving its own groups, running them elsewhere, or taking them back. */
export type RegionStateName = 'active' | 'failed-over' | 'failing-back';

const STATES: readonly RegionStateName[] = ['active', 'failed-over', 'failing-back'];

/** A region's recorded state. */
export interface RegionStateRecord {
  readonly state: RegionStateName;
  /** failed-over and failing-back: the region running its groups meanwhile. */
  readonly to?: string;
  /** failed-over and failing-back: the groups moved out and not back yet (sorted, distinct). */
  readonly groups?: readonly string[];
  /** When the region entered this state (ISO-8601). */
  readonly since: string;
  /** The failover operation this record belongs to: set when the region fails over, kept until it is active. */
  readonly operation?: string;
}

/** Where every region's state lives: `regions/`. */
export const REGION_STATES_PREFIX = 'regions/';

/** `regions/<region>/state`. */
export function regionStateKey(region: string): string {
  if (!isValidName(region)) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `region ${JSON.stringify(region)} is not a valid name for a region state key`,
      { details: { region: String(region) } },
    );
  }
  return `${REGION_STATES_PREFIX}${region}/state`;
}

/** The region of a `regions/<region>/state` key, or undefined for any other key. */
export function parseRegionStateKey(key: string): string | undefined {
  const match = /^regions\/([^/]+)\/state$/.exec(key);
  return match && isValidName(match[1]!) ? match[1] : undefined;
}

/** Encodes a region state (format version 1). */
export function encodeRegionStateV1(record: RegionStateRecord): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      state: record.state,
      ...(record.to !== undefined && { to: record.to }),
      ...(record.groups !== undefined && { groups: [...record.groups] }),
      since: record.since,
      ...(record.operation !== undefined && { operation: record.operation }),
    }),
    'utf8',
  );
}

function corrupt(key: string, problem: string, cause?: unknown): GeomeshError {
  return new GeomeshError(
    'GEOMESH_COORD_CORRUPT',
    `region state ${key}: ${problem}; fix or delete the key (an absent key means active)`,
    { ...(cause !== undefined && { cause }), details: { key } },
  );
}

/**
 * Decodes a value written by `encodeRegionStateV1`; `key` names the culprit in errors. Anything else is
 * refused with GEOMESH_COORD_CORRUPT: another version, a missing or mistyped field, `to` or `groups` where
 * the state has none or missing where it needs them, a time that is not ISO-8601. Unknown fields are ignored.
 */
export function decodeRegionStateV1(value: Buffer, key = '(unknown key)'): RegionStateRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw corrupt(key, 'value is not JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corrupt(key, 'value is not a JSON object');
  }
  const r = parsed as Record<string, unknown>;
  if (r['v'] !== 1) {
    throw corrupt(key, `unsupported format version ${JSON.stringify(r['v'])} (this geomesh reads version 1)`);
  }
  const state = r['state'];
  if (typeof state !== 'string' || !STATES.includes(state as RegionStateName)) {
    throw corrupt(key, `"state" is ${JSON.stringify(state)}; expected one of ${STATES.join(', ')}`);
  }
  const since = r['since'];
  if (typeof since !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(since) || Number.isNaN(Date.parse(since))) {
    throw corrupt(key, `"since" is ${JSON.stringify(since)}; expected an ISO-8601 time`);
  }
  const operation = r['operation'];
  if (operation !== undefined && (typeof operation !== 'string' || operation === '')) {
    throw corrupt(key, '"operation" must be a non-empty string when present');
  }
  const isAway = state !== 'active';
  const to = r['to'];
  const groups = r['groups'];
  if (isAway) {
    if (typeof to !== 'string' || !isValidName(to)) {
      throw corrupt(
        key,
        `"to" is ${JSON.stringify(to)}; a ${state} region names the region running its groups`,
      );
    }
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g === '')) {
      throw corrupt(key, `"groups" must be a list of group names for a ${state} region`);
    }
  } else if (to !== undefined || groups !== undefined) {
    throw corrupt(key, 'an active region has no "to" or "groups"');
  }
  return {
    state: state as RegionStateName,
    ...(isAway && { to: to, groups: normalGroups(groups as string[]) }),
    since,
    ...(operation !== undefined && { operation: operation }),
  };
}

/** Sorted, distinct. */
function normalGroups(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort();
}

const sameGroups = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((g, i) => g === b[i]);

/** The record equivalent to `current` (undefined = absent = active). */
function stateOf(current: RegionStateRecord | undefined): RegionStateName {
  return current?.state ?? 'active';
}

function describe(region: string, record: RegionStateRecord): string {
  return (
    `${region} is recorded ${record.state} ` +
    `${record.state === 'failed-over' ? 'to' : 'from'} ${record.to ?? '?'} since ${record.since}` +
    (record.groups?.length ? ` (groups ${record.groups.join(', ')})` : '')
  );
}

function refused(message: string, region: string, record: RegionStateRecord): GeomeshError {
  return new GeomeshError('GEOMESH_RPC_FAILED_PRECONDITION', message, {
    details: { region, state: record.state, to: record.to ?? '' },
  });
}

/** What a move needs besides the current record. */
export interface RegionStateMove {
  /** The region whose state changes. */
  region: string;
  /** The other region: where its groups go (failover) or come back from (failback). */
  other: string;
  /** The groups moved. */
  groups: readonly string[];
  /** ISO-8601 time of the move. */
  now: string;
  /** Operation id for a region that fails over from active. */
  newOperation: () => string;
}

/**
 * The record after `region` fails over to `other` with `groups`: failed-over, with the groups added to those
 * already recorded. Undefined when `current` already says exactly that (nothing to write: a repeated call).
 */
export function nextOnFailover(
  current: RegionStateRecord | undefined,
  move: RegionStateMove,
): RegionStateRecord | undefined {
  const { region, other } = move;
  if (current && current.state !== 'active' && current.to !== other) {
    throw refused(
      `${describe(region, current)}: its groups run in ${current.to}, so they cannot fail over from ` +
        `${region} to ${other}; fail them back into ${region} first, or fail over from ${current.to}`,
      region,
      current,
    );
  }
  const groups = normalGroups([
    ...(current?.state === 'active' ? [] : (current?.groups ?? [])),
    ...move.groups,
  ]);
  if (current?.state === 'failed-over' && sameGroups(groups, current.groups ?? [])) return undefined;
  return {
    state: 'failed-over',
    to: other,
    groups,
    // Adding groups to a failover keeps when it began; coming back from failing-back is a new state.
    since: current?.state === 'failed-over' ? current.since : move.now,
    operation: (current?.state !== 'active' && current?.operation) || move.newOperation(),
  };
}

/**
 * The record when `region` starts taking `groups` back from `other`: failing-back, with the groups recorded
 * and those named. Undefined when nothing changes. A region recorded active (never failed over, or by a
 * geomesh that did not record it) may fail back too.
 */
export function nextOnFailbackStart(
  current: RegionStateRecord | undefined,
  move: RegionStateMove,
): RegionStateRecord | undefined {
  const { region, other } = move;
  if (current && current.state !== 'active' && current.to !== other) {
    throw refused(
      `${describe(region, current)}: its groups run in ${current.to}, not ${other}; ` +
        `fail back from ${current.to} instead`,
      region,
      current,
    );
  }
  const groups = normalGroups([
    ...(current?.state === 'active' ? [] : (current?.groups ?? [])),
    ...move.groups,
  ]);
  if (current?.state === 'failing-back' && sameGroups(groups, current.groups ?? [])) return undefined;
  return {
    state: 'failing-back',
    to: other,
    groups,
    since: current?.state === 'failing-back' ? current.since : move.now,
    operation: (current?.state !== 'active' && current?.operation) || move.newOperation(),
  };
}

/**
 * The record once `groups` are back in `region` from `other`: active when no recorded group is left
 * elsewhere, else the same state with the groups left. Undefined when nothing changes (already active).
 */
export function nextOnFailbackFinish(
  current: RegionStateRecord | undefined,
  move: RegionStateMove,
): RegionStateRecord | undefined {
  const { region, other } = move;
  if (stateOf(current) === 'active') return undefined;
  if (current!.to !== other) {
    throw refused(
      `${describe(region, current!)}: its groups run in ${current!.to}, not ${other}; ` +
        `fail back from ${current!.to} instead`,
      region,
      current!,
    );
  }
  const back = new Set(move.groups);
  const left = (current!.groups ?? []).filter((g) => !back.has(g));
  if (left.length === 0) {
    return { state: 'active', since: move.now, ...(current!.operation && { operation: current!.operation }) };
  }
  return sameGroups(left, current!.groups ?? []) ? undefined : { ...current!, groups: left };
}
