/**
 * The loader: topology text → diagnostics and, when valid, a compiled `TopologyConfig`. One pass:
 * parse YAML with positions → resolve `${ENV}` → schema → cross-field rules → normalize → compile.
 * Pure: the file name is only for messages and the environment is passed in.
 */
import { LineCounter, parseDocument } from 'yaml';
import { GeomeshError } from '../base/index.ts';
import { checkProvenanceKey, checkTopologyRules } from './check-topology-rules.ts';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.ts';
import { DiagnosticCollector } from './diagnostic-collector.ts';
import { normalizeTopology } from './normalize-topology.ts';
import { resolveEnv, type EnvSource } from './resolve-env.ts';
import { reportSchemaIssues } from './schema-issues.ts';
import { SourceMap } from './source-map.ts';
import { TopologyConfig } from './topology-config.ts';
import { TopologySchema, type TopologyOptions } from './topology-schema.ts';

export interface ValidateTopologyOptions {
  /** Name used in diagnostics. Default: `topology.yaml`. */
  file?: string;
  /** Variables for `${ENV}` references. Default: none (every reference is then reported missing). */
  env?: EnvSource;
}

/** The outcome of validation: every diagnostic, sorted by position, and the topology when there is no error. */
export type TopologyValidation =
  | { readonly ok: true; readonly topology: TopologyConfig; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly topology?: undefined; readonly diagnostics: readonly Diagnostic[] };

/** Validates topology text and compiles it when valid. Never throws for a bad topology. */
export function validateTopology(text: string, options: ValidateTopologyOptions = {}): TopologyValidation {
  const file = options.file ?? 'topology.yaml';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const sourceMap = new SourceMap(doc, lineCounter, text);
  const diagnostics = new DiagnosticCollector(file, sourceMap);

  let isParsable = true;
  for (const error of doc.errors) {
    const at = sourceMap.position(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') {
      const key = /^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim() || 'a key';
      diagnostics.addAt(
        'error',
        'TOPOLOGY_DUPLICATE_KEY',
        at,
        `key ${key} is declared twice in the same mapping`,
        'remove or rename one of the two (a later key would silently replace the earlier one)',
      );
    } else {
      isParsable = false;
      diagnostics.addAt(
        'error',
        'TOPOLOGY_YAML_SYNTAX',
        at,
        `YAML syntax error: ${error.message}`,
        'fix the YAML syntax (indentation, brackets, quotes, ": " after keys)',
      );
    }
  }
  for (const warning of doc.warnings) {
    diagnostics.addAt(
      'warning',
      'TOPOLOGY_YAML_SYNTAX',
      sourceMap.position(warning.pos[0]),
      `YAML: ${warning.message}`,
      'check the YAML',
    );
  }
  if (!isParsable) return { ok: false, diagnostics: sortDiagnostics(diagnostics.diagnostics) };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    diagnostics.addAt(
      'error',
      'TOPOLOGY_YAML_SYNTAX',
      { line: 1, column: 1 },
      `YAML cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      'fix the YAML (aliases, anchors)',
    );
    return { ok: false, diagnostics: sortDiagnostics(diagnostics.diagnostics) };
  }
  const resolved = resolveEnv(raw, options.env ?? {}, diagnostics);
  const parsed = TopologySchema.safeParse(resolved);
  if (!parsed.success) reportSchemaIssues(TopologySchema, resolved, parsed.error.issues, diagnostics);
  checkTopologyRules(resolved, diagnostics);
  checkProvenanceKey(raw, resolved, diagnostics);

  const sorted = sortDiagnostics(diagnostics.diagnostics);
  if (diagnostics.hasErrors || !parsed.success) return { ok: false, diagnostics: sorted };
  const topology = new TopologyConfig(
    normalizeTopology(parsed.data),
    normalizeTopology(raw as TopologyOptions),
  );
  return { ok: true, topology, diagnostics: sorted };
}

/** Validates and compiles topology text; throws GEOMESH_TOPOLOGY_INVALID listing every error. */
export function compileTopology(text: string, options: ValidateTopologyOptions = {}): TopologyConfig {
  const result = validateTopology(text, options);
  if (result.ok) return result.topology;
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  throw new GeomeshError(
    'GEOMESH_TOPOLOGY_INVALID',
    `topology is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map(formatDiagnostic).join('\n')}`,
    { details: { file: first?.file, line: first?.line, column: first?.column, errors: errors.length } },
  );
}
