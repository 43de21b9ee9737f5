// Original file: proto/geomesh/v1/operator.proto


/**
 * A region's state as recorded in etcd at `regions/<region>/state` (absent: active).
 */
export interface RegionState {
  /**
   * The region the record is about.
   */
  'region'?: (string);
  /**
   * "active", "failed-over" or "failing-back".
   */
  'state'?: (string);
  /**
   * failed-over and failing-back: the region that runs the region's groups meanwhile; "" when active.
   */
  'toRegion'?: (string);
  /**
   * failed-over and failing-back: the groups moved out of the region and not back yet, sorted.
   */
  'groups'?: (string)[];
  /**
   * When the region entered this state (ISO-8601); "" for a region never failed over.
   */
  'since'?: (string);
  /**
   * The failover operation the record belongs to (kept from failover to failback); "" when none.
   */
  'operation'?: (string);
}

/**
 * A region's state as recorded in etcd at `regions/<region>/state` (absent: active).
 */
export interface RegionState__Output {
  /**
   * The region the record is about.
   */
  'region': (string);
  /**
   * "active", "failed-over" or "failing-back".
   */
  'state': (string);
  /**
   * failed-over and failing-back: the region that runs the region's groups meanwhile; "" when active.
   */
  'toRegion': (string);
  /**
   * failed-over and failing-back: the groups moved out of the region and not back yet, sorted.
   */
  'groups': (string)[];
  /**
   * When the region entered this state (ISO-8601); "" for a region never failed over.
   */
  'since': (string);
  /**
   * The failover operation the record belongs to (kept from failover to failback); "" when none.
   */
  'operation': (string);
}
