// Original file: proto/geomesh/v1/operator.proto


/**
 * A peer region's provenance keys as this node last heard them, and whether they agree with its own.
 */
export interface PeerKeys {
  'region'?: (string);
  /**
   * "" while nothing is known of the peer's keys.
   */
  'currentKeyId'?: (string);
  'acceptedKeyIds'?: (string)[];
  /**
   * Where they were heard: "heartbeat" (Peer.Ping), "etcd" (the peer's registration) or "" (unknown).
   */
  'source'?: (string);
  /**
   * Why the two key sets disagree (the links between the two regions pause); "" when they agree or unknown.
   */
  'mismatch'?: (string);
}

/**
 * A peer region's provenance keys as this node last heard them, and whether they agree with its own.
 */
export interface PeerKeys__Output {
  'region': (string);
  /**
   * "" while nothing is known of the peer's keys.
   */
  'currentKeyId': (string);
  'acceptedKeyIds': (string)[];
  /**
   * Where they were heard: "heartbeat" (Peer.Ping), "etcd" (the peer's registration) or "" (unknown).
   */
  'source': (string);
  /**
   * Why the two key sets disagree (the links between the two regions pause); "" when they agree or unknown.
   */
  'mismatch': (string);
}
