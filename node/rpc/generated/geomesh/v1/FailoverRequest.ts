// Original file: proto/geomesh/v1/operator.proto


export interface FailoverRequest {
  /**
   * The region the groups leave (it may be down: checkpoints are used then).
   */
  'fromRegion'?: (string);
  /**
   * The region they move to; the called node must be its node.
   */
  'toRegion'?: (string);
  /**
   * Consumer groups to move, by name. Empty: the groups are selected (see Failover, group_patterns); for a
   * failback ("start", "finish"), the groups to_region's region state records as moved to from_region
   * (NOT_FOUND when it records none).
   */
  'groups'?: (string)[];
  /**
   * Translate and report only; commit nothing (and record no region state, except for failback "start").
   */
  'dryRun'?: (boolean);
  /**
   * Which step of a failback this call is (docs/offset-translation.md, "Region state"). "" (the default,
   * also from a caller older than the field): a failover; from_region is recorded in etcd as failed over to
   * to_region before any offset is committed. "start": to_region is about to take its groups back from
   * from_region: record it as failing back and commit nothing, whatever dry_run says (callers set dry_run
   * too, so that a node older than the field only translates). "finish": move the groups back into
   * to_region (recorded as failing back before the first commit) and record it active once every group
   * it holds is back. Any other value: INVALID_ARGUMENT.
   */
  'failback'?: (string);
  /**
   * With groups empty: only the selected groups that match one of these patterns (JavaScript regular
   * expressions matched against the whole name, as the topology's group patterns); empty: every selected
   * group. Not allowed together with groups.
   */
  'groupPatterns'?: (string)[];
  /**
   * Groups matching one of these patterns are left out (of groups, or of the selection).
   */
  'excludeGroupPatterns'?: (string)[];
  /**
   * Chosen by the caller (at most 64 characters) to follow the call with GetFailoverProgress; "" for none.
   */
  'progressId'?: (string);
  /**
   * How many groups are translated (then committed) at once, 1 to 256; 0: the node's default (16).
   */
  'parallelGroups'?: (number);
}

export interface FailoverRequest__Output {
  /**
   * The region the groups leave (it may be down: checkpoints are used then).
   */
  'fromRegion': (string);
  /**
   * The region they move to; the called node must be its node.
   */
  'toRegion': (string);
  /**
   * Consumer groups to move, by name. Empty: the groups are selected (see Failover, group_patterns); for a
   * failback ("start", "finish"), the groups to_region's region state records as moved to from_region
   * (NOT_FOUND when it records none).
   */
  'groups': (string)[];
  /**
   * Translate and report only; commit nothing (and record no region state, except for failback "start").
   */
  'dryRun': (boolean);
  /**
   * Which step of a failback this call is (docs/offset-translation.md, "Region state"). "" (the default,
   * also from a caller older than the field): a failover; from_region is recorded in etcd as failed over to
   * to_region before any offset is committed. "start": to_region is about to take its groups back from
   * from_region: record it as failing back and commit nothing, whatever dry_run says (callers set dry_run
   * too, so that a node older than the field only translates). "finish": move the groups back into
   * to_region (recorded as failing back before the first commit) and record it active once every group
   * it holds is back. Any other value: INVALID_ARGUMENT.
   */
  'failback': (string);
  /**
   * With groups empty: only the selected groups that match one of these patterns (JavaScript regular
   * expressions matched against the whole name, as the topology's group patterns); empty: every selected
   * group. Not allowed together with groups.
   */
  'groupPatterns': (string)[];
  /**
   * Groups matching one of these patterns are left out (of groups, or of the selection).
   */
  'excludeGroupPatterns': (string)[];
  /**
   * Chosen by the caller (at most 64 characters) to follow the call with GetFailoverProgress; "" for none.
   */
  'progressId': (string);
  /**
   * How many groups are translated (then committed) at once, 1 to 256; 0: the node's default (16).
   */
  'parallelGroups': (number);
}
