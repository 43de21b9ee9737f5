// Original file: proto/geomesh/v1/peer.proto


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
}
