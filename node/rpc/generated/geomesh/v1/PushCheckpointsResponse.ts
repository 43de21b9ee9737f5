// Original file: proto/geomesh/v1/peer.proto


export interface PushCheckpointsResponse {
  /**
   * How many of the pushed checkpoints were stored (older ones than already stored are ignored).
   */
  'accepted'?: (number);
}

export interface PushCheckpointsResponse__Output {
  /**
   * How many of the pushed checkpoints were stored (older ones than already stored are ignored).
   */
  'accepted': (number);
}
