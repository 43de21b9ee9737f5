// Original file: proto/geomesh/v1/operator.proto


export interface TranslateOffsetsRequest {
  /**
   * Consumer group id (required).
   */
  'group'?: (string);
  /**
   * Region whose committed offsets are translated (required).
   */
  'fromRegion'?: (string);
  /**
   * Region the offsets are translated into (required, different from from_region).
   */
  'toRegion'?: (string);
  /**
   * Topics to translate; empty means every topic the group has committed offsets for in from_region.
   */
  'topics'?: (string)[];
}

export interface TranslateOffsetsRequest__Output {
  /**
   * Consumer group id (required).
   */
  'group': (string);
  /**
   * Region whose committed offsets are translated (required).
   */
  'fromRegion': (string);
  /**
   * Region the offsets are translated into (required, different from from_region).
   */
  'toRegion': (string);
  /**
   * Topics to translate; empty means every topic the group has committed offsets for in from_region.
   */
  'topics': (string)[];
}
