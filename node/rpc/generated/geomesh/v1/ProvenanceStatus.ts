// Original file: proto/geomesh/v1/operator.proto

import type { PeerKeys as _geomesh_v1_PeerKeys, PeerKeys__Output as _geomesh_v1_PeerKeys__Output } from '../../geomesh/v1/PeerKeys.ts';

/**
 * A node's provenance keys, by key id (a fingerprint, never the key), and its peers' as last heard.
 */
export interface ProvenanceStatus {
  /**
   * Id of the key the node tags with.
   */
  'currentKeyId'?: (string);
  /**
   * Ids of every key the node verifies with (the current one included), sorted.
   */
  'acceptedKeyIds'?: (string)[];
  /**
   * One entry per other region of the topology, sorted by region.
   */
  'peers'?: (_geomesh_v1_PeerKeys)[];
}

/**
 * A node's provenance keys, by key id (a fingerprint, never the key), and its peers' as last heard.
 */
export interface ProvenanceStatus__Output {
  /**
   * Id of the key the node tags with.
   */
  'currentKeyId': (string);
  /**
   * Ids of every key the node verifies with (the current one included), sorted.
   */
  'acceptedKeyIds': (string)[];
  /**
   * One entry per other region of the topology, sorted by region.
   */
  'peers': (_geomesh_v1_PeerKeys__Output)[];
}
