/**
 * Which instance of a region owns which target partition: a pure function of the partitions and the live
 * instances, so every instance computes the same answer from the same membership. Partitions sorted by topic
 * then number go round the instances sorted by id: every instance gets ⌊n/k⌋ or ⌈n/k⌉ (12 partitions, 2
 * instances: 6 and 6), and the partitions of one topic are spread as evenly.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** instance id → the partitions it should own (every instance listed, possibly with none). */
export function assignPartitions(
  partitions: readonly TopicPartition[],
  instances: readonly string[],
): Map<string, TopicPartition[]> {
  const ids = [...new Set(instances)].sort();
  const assignment = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return assignment;
  const sorted = [...partitions].sort(compareTopicPartitions);
  sorted.forEach((tp, i) => assignment.get(ids[i % ids.length]!)!.push(tp));
  return assignment;
}
