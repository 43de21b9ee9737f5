/**
 * Diagnostics: what topology validation reports. Each one names the file, line and column, a stable code
 * from the closed list below, the bad thing and the fix. Validation collects every diagnostic it can find
 * in one pass instead of stopping at the first.
 */

/** The closed list of diagnostic codes. Callers and tests branch on these, never on message text. */
export const DIAGNOSTIC_CODES = {
  TOPOLOGY_YAML_SYNTAX: 'the file is not valid YAML',
  TOPOLOGY_DUPLICATE_KEY: 'a mapping names the same key twice',
  TOPOLOGY_UNKNOWN_KEY: 'a key the schema does not define',
  TOPOLOGY_MISSING_FIELD: 'a required field is absent',
  TOPOLOGY_WRONG_TYPE: 'a value of the wrong type',
  TOPOLOGY_OUT_OF_RANGE: 'a number or list length outside its allowed range',
  TOPOLOGY_INVALID_VALUE: 'a value outside a fixed set of choices',
  TOPOLOGY_INVALID_FORMAT: 'a string that does not have the required form (address, URL)',
  TOPOLOGY_INVALID_MESH_NAME: 'the mesh name breaks the naming rules',
  TOPOLOGY_INVALID_REGION_NAME: 'a region name is not a lowercase DNS label',
  TOPOLOGY_DUPLICATE_BROKER: 'two regions name the same broker address (the same cluster twice)',
  TOPOLOGY_DUPLICATE_ADDRESS: 'two regions give their nodes the same listen or advertised address',
  TOPOLOGY_LINK_SHAPE: 'a link is neither {from, to} nor {between: [...]}',
  TOPOLOGY_UNKNOWN_REGION: 'a link names a region that is not declared',
  TOPOLOGY_SELF_LINK: 'a link points at its own region',
  TOPOLOGY_DUPLICATE_LINK: 'the same directed link is declared twice, identically',
  TOPOLOGY_CONFLICTING_LINK: 'the same directed link is declared twice with different settings',
  TOPOLOGY_INVALID_REGEX: 'a topic or group pattern is not a valid regular expression',
  TOPOLOGY_EMPTY_SELECTION: 'a topic or group selection can select nothing',
  TOPOLOGY_BAD_ENV_REFERENCE: 'a malformed ${ENV} reference',
  TOPOLOGY_MISSING_ENV: 'an ${ENV} reference names a variable that is not set',
  TOPOLOGY_SECRET_LITERAL: 'a secret is written in the file instead of an ${ENV} reference',
  TOPOLOGY_PROVENANCE_KEY_SHORT: 'the provenance key resolves to fewer than 32 characters',
  TOPOLOGY_ISOLATED_REGION: 'a region that no link reaches or leaves',
  TOPOLOGY_FORWARDING_MISMATCH: 'a forwarding path whose links select different topics or groups',
  TOPOLOGY_TLS_INCOMPLETE: 'a client certificate without its key, or a key without its certificate',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** `error` makes the topology invalid; `warning` is reported but the topology still compiles. */
export type DiagnosticSeverity = 'error' | 'warning';

/** One problem found in a topology file. */
export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  readonly code: DiagnosticCode;
  /** The file name as given to the loader (for display; never read again). */
  readonly file: string;
  /** 1-based line of the offending key or value. */
  readonly line: number;
  /** 1-based column of the offending key or value. */
  readonly column: number;
  /** Where in the document, e.g. `links[2].to` or `regions.us-east.kafka.brokers[0]`. */
  readonly path: string;
  /** What is wrong, naming the bad value (never a secret). */
  readonly message: string;
  /** How to fix it, e.g. `did you mean "eu-west"?`. */
  readonly fix: string;
}

/**
 * One line per diagnostic:
 * `topology.yaml:14:7 links[2].to: unknown region "eu-wset" (did you mean "eu-west"?) [TOPOLOGY_UNKNOWN_REGION]`.
 * Warnings carry `warning:` after the position.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const severity = d.severity === 'warning' ? ' warning:' : '';
  const path = d.path === '' ? '' : ` ${d.path}:`;
  return `${where}${severity}${path} ${d.message} (${d.fix}) [${d.code}]`;
}

/** Diagnostics in reading order: by line, then column, then code. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) => a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
