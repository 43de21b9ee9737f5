/**
 * Which instance of a region owns which target partition: a pure function of the partitions, the live
 * instances and who holds each partition now, so every instance computes the same answer from the same etcd
 * read. Balanced: every instance gets ⌊n/k⌋ or ⌈n/k⌉ (12 partitions, 2 instances: 6 and 6). Sticky: an
 * instance keeps what it holds up to its share, so a join or a leave moves only the partitions it must (a
 * third instance joining two of 6 each takes 2 from each: 4 moves, not 8). The extra ⌈n/k⌉ shares go to the
 * instances holding most (then by id), the partitions an instance keeps are its first in order, and the free
 * ones go round the instances with room, sorted by id, so the partitions of one topic spread as evenly. An
 * assignment fed back as the holders gives itself again: the rounds settle, they do not oscillate.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/**
 * instance id → the partitions it should own (every instance listed, possibly with none). `holderOf` says
 * which instance holds a partition now (undefined: free); holders that are not among `instances` count as
 * free.
 */
export function assignPartitions(
  partitions: readonly TopicPartition[],
  instances: readonly string[],
  holderOf: (tp: TopicPartition) => string | undefined = () => undefined,
): Map<string, TopicPartition[]> {
  const ids = [...new Set(instances)].sort();
  const assignment = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return assignment;
  const sorted = [...partitions].sort(compareTopicPartitions);
  const held = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
  const free: TopicPartition[] = [];
  for (const tp of sorted) {
    const holder = holderOf(tp);
    const mine = holder === undefined ? undefined : held.get(holder);
    if (mine) mine.push(tp);
    else free.push(tp);
  }

  const base = Math.floor(sorted.length / ids.length);
  let extra = sorted.length % ids.length;
  const byHolding = [...ids].sort((a, b) => held.get(b)!.length - held.get(a)!.length || (a < b ? -1 : 1));
  const quota = new Map<string, number>();
  for (const id of byHolding) {
    quota.set(id, base + (extra > 0 ? 1 : 0));
    extra -= 1;
  }

  for (const id of ids) {
    const keep = held.get(id)!;
    const q = quota.get(id)!;
    assignment.get(id)!.push(...keep.slice(0, q));
    free.push(...keep.slice(q));
  }
  free.sort(compareTopicPartitions);
  // Round the instances sorted by id, skipping full ones (the quotas add up to the partitions: one has room).
  const hasRoom = (id: string) => assignment.get(id)!.length < quota.get(id)!;
  let next = 0;
  for (const tp of free) {
    while (!hasRoom(ids[next % ids.length]!)) next += 1;
    assignment.get(ids[next % ids.length]!)!.push(tp);
    next += 1;
  }
  for (const list of assignment.values()) list.sort(compareTopicPartitions);
  return assignment;
}
