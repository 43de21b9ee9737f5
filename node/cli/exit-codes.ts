/**
 * Exit codes of the geomesh CLI. 0 and 1 as usual; 2 means "the input was checked and is invalid";
 * usage and missing-input codes follow BSD sysexits so scripts can tell them apart.
 */
export const EXIT_CODES = Object.freeze({
  /** Success; for `validate`, the topology is valid (warnings allowed). */
  ok: 0,
  /** An unexpected failure (a bug, an I/O error other than a missing input). */
  failure: 1,
  /** The topology is invalid; diagnostics say why. */
  invalid: 2,
  /** `topology apply`: etcd's current version is not the one expected (another apply got in first). */
  conflict: 3,
  /** `translate`: the group has no committed offsets there, or a region is unknown. */
  notFound: 4,
  /** `failover`: at least one group was refused (its reason is printed). */
  refused: 5,
  /** `failover --wait-for-replication`: the bound passed with records not replicated yet; nothing committed. */
  notReplicated: 6,
  /** The command line is malformed: unknown verb or option, missing argument (EX_USAGE). */
  usage: 64,
  /** An input file does not exist or cannot be read (EX_NOINPUT). */
  noInput: 66,
  /** A state-changing call without valid operator credentials (EX_NOPERM). */
  noPermission: 77,
});

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
