// Original file: proto/geomesh/v1/operator.proto


export interface FailoverProgress {
  'progressId'?: (string);
  /**
   * "selecting" (listing the groups), "translating", "committing" or "done".
   */
  'phase'?: (string);
  /**
   * Groups the call moves (0 while selecting).
   */
  'total'?: (number);
  /**
   * Groups translated so far (or refused before translating).
   */
  'translated'?: (number);
  /**
   * Groups committed so far.
   */
  'committed'?: (number);
  /**
   * Groups refused so far.
   */
  'refused'?: (number);
}

export interface FailoverProgress__Output {
  'progressId': (string);
  /**
   * "selecting" (listing the groups), "translating", "committing" or "done".
   */
  'phase': (string);
  /**
   * Groups the call moves (0 while selecting).
   */
  'total': (number);
  /**
   * Groups translated so far (or refused before translating).
   */
  'translated': (number);
  /**
   * Groups committed so far.
   */
  'committed': (number);
  /**
   * Groups refused so far.
   */
  'refused': (number);
}
