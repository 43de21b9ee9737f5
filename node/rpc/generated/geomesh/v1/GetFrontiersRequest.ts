// Original file: proto/geomesh/v1/peer.proto


export interface GetFrontiersRequest {
  /**
   * Consumer group id (required).
   */
  'group'?: (string);
  /**
   * Topics to read; empty means every topic the group has committed offsets for.
   */
  'topics'?: (string)[];
}

export interface GetFrontiersRequest__Output {
  /**
   * Consumer group id (required).
   */
  'group': (string);
  /**
   * Topics to read; empty means every topic the group has committed offsets for.
   */
  'topics': (string)[];
}
