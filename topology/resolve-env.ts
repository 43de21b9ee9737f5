/**
 * `${NAME}` references in string values, resolved from an environment object that is passed in (this
 * module never reads `process.env`). `$${` writes a literal `${`. A reference to an unset variable is
 * an error at its position. Secret fields must be a single reference, so a secret never sits in the file.
 */
import type { DiagnosticCollector } from './diagnostic-collector.ts';
import type { DocPath } from './source-map.ts';
import { ENV_REFERENCE_PATTERN } from './topology-schema.ts';

/** Variables to resolve references from, e.g. `process.env`. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Paths of fields that hold secrets (`*` matches any key). */
export const SECRET_PATHS: readonly DocPath[] = [
  ['regions', '*', 'kafka', 'sasl', 'password'],
  ['etcd', 'auth', 'password'],
  ['provenance', 'key'],
  ['provenance', 'accept', '*'],
  ['regions', '*', 'node', 'operators', 'token'],
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `path` is one of the secret fields. */
export function isSecretPath(path: DocPath): boolean {
  return SECRET_PATHS.some(
    (pattern) => pattern.length === path.length && pattern.every((p, i) => p === '*' || p === path[i]),
  );
}

/**
 * A copy of `raw` with every string value's references resolved. Problems go to `diagnostics`; an
 * unresolvable string keeps its raw text so validation of the rest can go on.
 */
export function resolveEnv(raw: unknown, env: EnvSource, diagnostics: DiagnosticCollector): unknown {
  return walk(raw, [], env, diagnostics);
}

function walk(
  value: unknown,
  path: (string | number)[],
  env: EnvSource,
  diagnostics: DiagnosticCollector,
): unknown {
  if (typeof value === 'string') return resolveString(value, path, env, diagnostics);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], env, diagnostics));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], env, diagnostics);
    return out;
  }
  return value;
}

function resolveString(
  text: string,
  path: DocPath,
  env: EnvSource,
  diagnostics: DiagnosticCollector,
): string {
  if (isSecretPath(path) && !ENV_REFERENCE_PATTERN.test(text)) {
    diagnostics.error(
      'TOPOLOGY_SECRET_LITERAL',
      { path },
      'a secret is written in the file (its value is not shown)',
      `put it in an environment variable and write "\${${suggestEnvName(path)}}"`,
    );
    return text;
  }
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i] ?? '';
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    const name = close < 0 ? text.slice(i + 2) : text.slice(i + 2, close);
    if (close < 0 || !NAME.test(name)) {
      const shown = close < 0 ? text.slice(i) : text.slice(i, close + 1);
      diagnostics.error(
        'TOPOLOGY_BAD_ENV_REFERENCE',
        { path, within: shown },
        `malformed environment reference "${shown}"`,
        'write ${NAME} with a name of letters, digits and underscores, or $${ for a literal ${',
      );
      return text;
    }
    const resolved = env[name];
    if (resolved === undefined) {
      diagnostics.error(
        'TOPOLOGY_MISSING_ENV',
        { path, within: `\${${name}}` },
        `environment variable ${name} is not set`,
        `set ${name} in the environment of the process that reads this file`,
      );
      return text;
    }
    out += resolved;
    i = close + 1;
  }
  return out;
}

function suggestEnvName(path: DocPath): string {
  // The provenance key is one per mesh, shared by every node: the conventional name says whose key it is.
  if (path[0] === 'provenance')
    return path[1] === 'accept' ? 'GEOMESH_PROVENANCE_ACCEPT' : 'GEOMESH_PROVENANCE_KEY';
  const words = path.filter((p) => typeof p === 'string' && p !== 'regions' && p !== 'sasl') as string[];
  return words
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');
}
