// Original file: proto/geomesh/v1/peer.proto


export interface ListGroupsResponse {
  /**
   * The called node's region.
   */
  'region'?: (string);
  /**
   * Every consumer group its cluster knows, sorted.
   */
  'groups'?: (string)[];
}

export interface ListGroupsResponse__Output {
  /**
   * The called node's region.
   */
  'region': (string);
  /**
   * Every consumer group its cluster knows, sorted.
   */
  'groups': (string)[];
}
