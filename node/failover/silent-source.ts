/**
 * How one Failover call reads a source region that does not answer: once the source has not answered for
 * anything of the call (its groups listed from its checkpoints, or one group translated from its checkpoint),
 * every further group is translated from the source's checkpoint at once, rather than each waiting out the
 * peer deadline first. A checkpoint is older than a live read: more records seen twice, none lost
 * (docs/offset-translation.md, "Failing a group over").
 *
 * One per call: a later call asks the source again.
 */
import type { Translation } from '../translation-service/index.ts';
import type { GroupListing } from './group-selection.ts';

/** What the call needs of the node's translation. */
export interface SourceReads {
  /** With `isCheckpointFirst`, a checkpoint of the group held here is used without asking the source. */
  translate(group: string, from: string, to: string, isCheckpointFirst: boolean): Promise<Translation>;
  /** The source's groups, live or from its checkpoints held here. */
  groupsOf(from: string): Promise<GroupListing>;
}

/** The call's translate and listGroups ports; see the file comment. */
export function silentSourceReads(reads: SourceReads): {
  readonly translate: (group: string, from: string, to: string) => Promise<Translation>;
  readonly listGroups: (from: string) => Promise<GroupListing>;
  /** Whether the source has been found silent in this call. */
  readonly isSourceSilent: boolean;
} {
  let isSilent = false;
  return {
    translate: async (group, from, to) => {
      const translation = await reads.translate(group, from, to, isSilent);
      if (translation.source === 'checkpoint') isSilent = true;
      return translation;
    },
    listGroups: async (from) => {
      const listing = await reads.groupsOf(from);
      if (listing.source === 'checkpoint') isSilent = true;
      return listing;
    },
    get isSourceSilent() {
      return isSilent;
    },
  };
}
