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
   * Consumer groups to move (at least one).
   */
  'groups'?: (string)[];
  /**
   * Translate and report only; commit nothing.
   */
  'dryRun'?: (boolean);
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
   * Consumer groups to move (at least one).
   */
  'groups': (string)[];
  /**
   * Translate and report only; commit nothing.
   */
  'dryRun': (boolean);
}
