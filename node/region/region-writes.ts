/**
 * How a region's node writes into its own cluster: every write serialized per target partition and checked
 * against ownership right before it leaves (PartitionWriter), and, under work sharing with fencing at the
 * broker, a transactional producer per owned partition (docs/work-sharing.md, "Fencing").
 */
import type { FencedRecordSink, KafkaCluster } from '../kafka/index.ts';
import { fencedRegionSink, PartitionWriter } from '../link-wiring/index.ts';
import { NODE_DEFAULTS } from '../config/index.ts';
import type { RegionNodeOptions } from './region-node-options.ts';

export interface RegionWritesInput {
  options: Pick<RegionNodeOptions, 'mesh' | 'region' | 'workSharing' | 'fenceAtBroker'>;
  local: KafkaCluster;
  /** Whether this instance may write the partition now (always, without work sharing). */
  mayWrite: (topic: string, partition: number) => boolean;
  /** One past the last record the index holds for the partition (where a failed write may have landed from). */
  through: (topic: string, partition: number) => number;
  onUnsure: (topic: string, partition: number, through: number) => void;
  onFenced: () => void;
}

export function regionWrites(input: RegionWritesInput): {
  writer: PartitionWriter;
  fenced: FencedRecordSink | undefined;
} {
  const { options, mayWrite, through, onUnsure, onFenced } = input;
  const writer = new PartitionWriter({ mayWrite, through, onUnsure, onFenced });
  const fenced =
    options.workSharing && (options.fenceAtBroker ?? NODE_DEFAULTS.fenceAtBroker)
      ? fencedRegionSink(input.local, options, mayWrite, onFenced)
      : undefined;
  return { writer, fenced };
}
