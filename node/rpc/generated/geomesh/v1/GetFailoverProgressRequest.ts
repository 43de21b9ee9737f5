// Original file: proto/geomesh/v1/operator.proto


export interface GetFailoverProgressRequest {
  /**
   * The progress_id of a Failover call.
   */
  'progressId'?: (string);
}

export interface GetFailoverProgressRequest__Output {
  /**
   * The progress_id of a Failover call.
   */
  'progressId': (string);
}
