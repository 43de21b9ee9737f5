// Original file: proto/geomesh/v1/operator.proto

import type { TranslateOffsetsResponse as _geomesh_v1_TranslateOffsetsResponse, TranslateOffsetsResponse__Output as _geomesh_v1_TranslateOffsetsResponse__Output } from '../../geomesh/v1/TranslateOffsetsResponse.ts';

export interface GroupFailover {
  'group'?: (string);
  /**
   * "committed", "dry-run" (translated, nothing committed) or "refused" (see reason).
   */
  'outcome'?: (string);
  /**
   * Why a group was refused (unknown group, active members in to_region, no answer from from_region).
   */
  'reason'?: (string);
  /**
   * The translation used (absent when the group was refused before translating).
   */
  'translation'?: (_geomesh_v1_TranslateOffsetsResponse | null);
  /**
   * The group was committed by an earlier, interrupted call of the same operation (see
   * FailoverResponse.operation): it was neither translated nor committed again; translation is the one
   * committed then.
   */
  'committedEarlier'?: (boolean);
}

export interface GroupFailover__Output {
  'group': (string);
  /**
   * "committed", "dry-run" (translated, nothing committed) or "refused" (see reason).
   */
  'outcome': (string);
  /**
   * Why a group was refused (unknown group, active members in to_region, no answer from from_region).
   */
  'reason': (string);
  /**
   * The translation used (absent when the group was refused before translating).
   */
  'translation': (_geomesh_v1_TranslateOffsetsResponse__Output | null);
  /**
   * The group was committed by an earlier, interrupted call of the same operation (see
   * FailoverResponse.operation): it was neither translated nor committed again; translation is the one
   * committed then.
   */
  'committedEarlier': (boolean);
}
