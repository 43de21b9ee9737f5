/**
 * What a link does with a record tagged by a provenance key this node does not hold (decideForward's
 * `unverifiable`): it logs the record with the link's policy, then skips it (`onUnknownProvenanceKey: skip`)
 * or halts the partition before it (`halt`, the default), never copying it as a local record.
 */
import type { Logger } from '../log/index.ts';
import type { ForwardDecision } from './forward-decision.ts';

export type UnverifiableOutcome = { kind: 'skip' } | { kind: 'halt'; why: string };

export function unverifiableRecord(input: {
  decision: Extract<ForwardDecision, { action: 'unverifiable' }>;
  policy: 'halt' | 'skip' | undefined;
  from: string;
  topic: string;
  partition: number;
  offset: number;
  logger: Logger;
}): UnverifiableOutcome {
  const { decision, from, topic, partition, offset } = input;
  const policy = input.policy ?? 'halt';
  const key = decision.keyId === null ? 'a v1 tag no held key verifies' : `key id ${decision.keyId}`;
  const what =
    `record ${topic}/${partition}@${offset} in ${from} claims origin ` +
    `${decision.origin.region}@${decision.origin.offset} with a provenance tag of ${key}, which this node does not hold`;
  input.logger.error(
    {
      code: 'GEOMESH_REPLICATION_UNKNOWN_KEY',
      topic,
      partition,
      offset,
      keyId: decision.keyId,
      origin: decision.origin.region,
      policy,
    },
    `${what}; ` +
      (policy === 'skip'
        ? 'skipped by policy (onUnknownProvenanceKey: skip)'
        : 'partition halted by policy (onUnknownProvenanceKey: halt), never copied as a local record: ' +
          'add the key that made it to provenance.accept of this node and restart'),
  );
  if (policy === 'skip') return { kind: 'skip' };
  return {
    kind: 'halt',
    why: `record at offset ${offset} is tagged by ${key}, which this node does not hold (add it to provenance.accept)`,
  };
}
