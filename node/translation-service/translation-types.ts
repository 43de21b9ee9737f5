/** The ports and shapes of the translation service: its own cluster, peers, options and answers. */
import type { Logger } from '../log/index.ts';
import type {
  CheckpointPartition,
  CheckpointStore,
  GroupCheckpoint,
  IndexView,
  OriginIndex,
} from '../translation/index.ts';

/** What a node asks of its own cluster. */
export interface LocalCluster {
  /** The group's committed offsets (partitions without a commit left out); `topics` empty: all. */
  committedOffsets(
    group: string,
    topics: readonly string[],
  ): Promise<{ topic: string; partition: number; offset: number }[]>;
  /** The stored range of each partition of a topic, or undefined when the topic does not exist. */
  topicRanges(topic: string): Promise<{ partition: number; logStart: number; logEnd: number }[] | undefined>;
  /** The cluster's consumer groups. */
  groups(): Promise<string[]>;
  /** How many members `group` has now (consumers running in the cluster). */
  activeMembers?(group: string): Promise<number>;
  /** Commits offsets for a group with no active members (refuses with an error otherwise). */
  commit(
    group: string,
    offsets: readonly { topic: string; partition: number; offset: number }[],
  ): Promise<void>;
}

/** One partition's answer from the target region's half. */
export interface PartitionSeek {
  topic: string;
  partition: number;
  offset: number;
  alreadySeen: number;
  logEnd: number;
  /** Per origin: how many of the request's unconsumed records this region does not hold yet. */
  missing?: { region: string; records: number }[];
  missingCounted?: boolean;
}

/** A region's half of a live translation: the group's frontiers there, and its members when asked. */
export interface LocalFrontiers {
  region: string;
  computedAtMs: number;
  partitions: CheckpointPartition[];
  /** Members of the group in the region's cluster now, when `activeMembersKnown`. */
  activeMembers?: number;
  activeMembersKnown?: boolean;
}

/** What a node asks of another node (the RPC adapter implements it). */
export interface PeerApi {
  getFrontiers(group: string, topics: readonly string[]): Promise<LocalFrontiers>;
  seek(partitions: readonly CheckpointPartition[]): Promise<{ region: string; partitions: PartitionSeek[] }>;
  pushCheckpoints(fromRegion: string, checkpoints: readonly GroupCheckpoint[]): Promise<number>;
  /** The consumer groups of the node's cluster. */
  listGroups(): Promise<string[]>;
}

export interface TranslationServiceOptions {
  region: string;
  /** Every region of the mesh (to tell an unknown region from one that is down). */
  regions: readonly string[];
  index: OriginIndex;
  /**
   * The index to read for these partitions when `index` may not hold them (work sharing: another instance
   * owns them); default `index`.
   */
  indexFor?(tps: readonly { topic: string; partition: number }[]): Promise<IndexView>;
  checkpoints: CheckpointStore;
  cluster: LocalCluster;
  /** The peer client of a region's node, or undefined when no address is known. */
  peer(region: string): PeerApi | undefined;
  /** Groups of this region whose frontiers are checkpointed and pushed (the links' group selections). */
  isCheckpointedGroup(group: string): boolean;
  /**
   * Whether the translated offsets of `group` of `region` are committed here as checkpoints arrive (the
   * inbound link from `region` has syncGroupOffsets and selects the group); default never.
   */
  isSyncedGroup?(region: string, group: string): boolean;
  /** Told each checkpoint received from a peer (to persist it); default nothing. */
  onCheckpointReceived?(checkpoint: GroupCheckpoint): void;
  /** Told each translation answered (for the latency histogram). */
  onTranslated?(from: string, to: string, source: 'live' | 'checkpoint', seconds: number): void;
  /** Default 5,000 ms; 0 disables the loop (checkpoints can still be taken with `checkpointNow`). */
  checkpointIntervalMs?: number;
  logger: Logger;
  /** The clock, for tests. */
  now?: () => number;
}

/** The answer to a translation. */
export interface Translation {
  group: string;
  fromRegion: string;
  toRegion: string;
  source: 'live' | 'checkpoint';
  /** When the frontier data was read (ms since the epoch): now for live, the checkpoint's time otherwise. */
  frontierTimeMs: number;
  partitions: {
    topic: string;
    partition: number;
    sourceOffset: number;
    targetOffset: number;
    frontier: { region: string; offset: number }[];
    alreadySeen: number;
    targetLogEnd: number;
    /** Per origin: records `fromRegion` held after the frontier that `toRegion` does not hold yet. */
    notReplicated: { region: string; records: number }[];
    /** Whether notReplicated was counted (false: a node involved is older, or a log end was not read). */
    notReplicatedCounted: boolean;
  }[];
  /** Live only: members of the group in `fromRegion`'s cluster when its frontier was read; absent: unknown. */
  sourceActiveMembers?: number;
}
