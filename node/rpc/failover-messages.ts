/**
 * The messages of Operator.Failover and Operator.GetFailoverProgress as plain objects (see messages.ts, which
 * re-exports them; each mirrors the message of the same name in proto/geomesh/v1/operator.proto).
 */
import type { TranslateOffsetsResponse } from './messages.ts';

/** Operator.Failover: move consumer groups from one region to another (state-changing). */
export interface FailoverRequest {
  fromRegion: string;
  toRegion: string;
  groups: string[];
  /** Translate and report only. */
  dryRun: boolean;
  /**
   * The failback step: `''` a failover (from_region recorded failed over), `'start'` (to_region recorded
   * failing back; nothing committed), `'finish'` (groups moved back, to_region recorded active). See the
   * .proto file.
   */
  failback: string;
  /** With `groups` empty: the selected groups matching one of these (empty: all selected). */
  groupPatterns?: string[];
  /** Groups matching one of these are left out. */
  excludeGroupPatterns?: string[];
  /** Chosen by the caller to follow the call with GetFailoverProgress; "" for none. */
  progressId?: string;
  /** Groups translated (then committed) at once; 0 or absent: the node's default. */
  parallelGroups?: number;
}

/** Operator.GetFailoverProgress: the progress of the Failover call given `progressId`. */
export interface GetFailoverProgressRequest {
  progressId: string;
}

/** How far a Failover call has got (counts of groups). */
export interface FailoverProgress {
  progressId: string;
  /** `selecting`, `translating`, `committing` or `done`. */
  phase: string;
  total: number;
  translated: number;
  committed: number;
  refused: number;
}

/** A region's state as recorded in etcd (`regions/<region>/state`). */
export interface RegionState {
  region: string;
  /** `active`, `failed-over` or `failing-back`. */
  state: string;
  /** The region running its groups meanwhile; "" when active. */
  toRegion: string;
  /** Groups moved out and not back yet, sorted. */
  groups: string[];
  /** ISO-8601; "" for a region never failed over. */
  since: string;
  /** The failover operation id; "" when none. */
  operation: string;
}

/** What Failover did with one group. */
export interface GroupFailover {
  group: string;
  outcome: 'committed' | 'dry-run' | 'refused';
  /** Why the group was refused; empty otherwise. */
  reason: string;
  /** The translation used; absent when the group was refused before translating. */
  translation: TranslateOffsetsResponse | undefined;
  /** Committed by an earlier, interrupted call of the same operation: not translated or committed again. */
  committedEarlier?: boolean;
}

export interface FailoverResponse {
  groups: GroupFailover[];
  /** The region state this call recorded in etcd; null when it recorded none. */
  regionState: RegionState | null;
  /** Why a failback could not record its region active after committing; "" otherwise. */
  regionStateError: string;
  /** The failover operation in etcd the call ran; "" for none (a dry run, a failback's start). */
  operation?: string;
  /** Whether the call completed an operation an interrupted call had started. */
  resumed?: boolean;
}
