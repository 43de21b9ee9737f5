/**
 * Work sharing among the instances of one region: owner keys in etcd, fenced by a lease, drive which target
 * partitions each instance reads and writes (docs/work-sharing.md).
 */
export { assignPartitions, compareTopicPartitions, type TopicPartition } from './assignment.ts';
export {
  PartitionOwnership,
  ownerKey,
  ownersPrefix,
  type OwnershipHost,
  type OwnershipState,
  type PartitionOwnershipOptions,
} from './partition-ownership.ts';
