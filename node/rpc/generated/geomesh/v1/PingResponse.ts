// Original file: proto/geomesh/v1/peer.proto

import type { LinkSummary as _geomesh_v1_LinkSummary, LinkSummary__Output as _geomesh_v1_LinkSummary__Output } from '../../geomesh/v1/LinkSummary.ts';

export interface PingResponse {
  /**
   * The called node's region.
   */
  'region'?: (string);
  /**
   * The called node instance's id.
   */
  'instance'?: (string);
  /**
   * The called node's geomesh version (package version).
   */
  'version'?: (string);
  /**
   * The called node's lifecycle state: "starting", "running", "stopping", "stopped" or "failed"; "" from a
   * node older than this field.
   */
  'nodeState'?: (string);
  /**
   * The called node's inbound links (its region is their target), sorted by source region: each link's state,
   * lag and rate as of the answer. Empty from a node older than this field.
   */
  'links'?: (_geomesh_v1_LinkSummary)[];
  /**
   * Id of the provenance key the called node tags with (a fingerprint, never the key); "" from a node older
   * than this field.
   */
  'provenanceKeyId'?: (string);
  /**
   * Ids of every provenance key the called node verifies with (its current one included), sorted.
   */
  'acceptedKeyIds'?: (string)[];
}

export interface PingResponse__Output {
  /**
   * The called node's region.
   */
  'region': (string);
  /**
   * The called node instance's id.
   */
  'instance': (string);
  /**
   * The called node's geomesh version (package version).
   */
  'version': (string);
  /**
   * The called node's lifecycle state: "starting", "running", "stopping", "stopped" or "failed"; "" from a
   * node older than this field.
   */
  'nodeState': (string);
  /**
   * The called node's inbound links (its region is their target), sorted by source region: each link's state,
   * lag and rate as of the answer. Empty from a node older than this field.
   */
  'links': (_geomesh_v1_LinkSummary__Output)[];
  /**
   * Id of the provenance key the called node tags with (a fingerprint, never the key); "" from a node older
   * than this field.
   */
  'provenanceKeyId': (string);
  /**
   * Ids of every provenance key the called node verifies with (its current one included), sorted.
   */
  'acceptedKeyIds': (string)[];
}
