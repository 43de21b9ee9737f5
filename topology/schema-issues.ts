/**
 * Turns the schema's issues (zod) into diagnostics with positions, plain messages and fixes, including
 * "did you mean" for unknown keys and misspelt choices.
 */
import { z } from 'zod';
import type { DiagnosticCollector } from './diagnostic-collector.ts';
import { didYouMean } from './did-you-mean.ts';
import { formatPath, type DocPath } from './source-map.ts';
import { STRING_FORMATS, type StringFormat } from './topology-schema.ts';

type Issue = z.core.$ZodIssue;

/** Reports every issue of `schema` on `data` to `diagnostics`. */
export function reportSchemaIssues(
  schema: z.ZodType,
  data: unknown,
  issues: readonly Issue[],
  diagnostics: DiagnosticCollector,
): void {
  for (const issue of issues) reportIssue(schema, data, issue, [], diagnostics);
}

function reportIssue(
  schema: z.ZodType,
  data: unknown,
  issue: Issue,
  prefix: DocPath,
  diagnostics: DiagnosticCollector,
): void {
  const path = [...prefix, ...(issue.path as (string | number)[])];
  const value = valueAt(data, path);
  const last = path.at(-1);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined && last === 'include') {
        diagnostics.error(
          'TOPOLOGY_MISSING_FIELD',
          { path: path.slice(0, -1) },
          'the selection has no include list: excludes only remove names from what include selects, so it selects nothing',
          'add include: [".*"] to select everything except the excludes',
        );
        return;
      }
      if (value === undefined && last !== undefined) {
        const description = describeField(schema, path);
        diagnostics.error(
          'TOPOLOGY_MISSING_FIELD',
          { path },
          `missing required field "${last}"`,
          `add ${String(last)}${description ? `: ${description}` : ''}`,
        );
        return;
      }
      if (path.length === 0) {
        diagnostics.error(
          'TOPOLOGY_WRONG_TYPE',
          { path },
          `the file holds ${describeValue(value)}, not a topology`,
          'write a mapping with mesh, etcd, regions and links (see the examples)',
        );
        return;
      }
      const expected = expectedWord(issue.expected);
      diagnostics.error(
        'TOPOLOGY_WRONG_TYPE',
        { path },
        `expected ${expected}, got ${describeValue(value)}`,
        `write ${expected}${issue.expected === 'string' && value !== null ? ' (quote it)' : ''}`,
      );
      return;
    }
    case 'too_small':
    case 'too_big': {
      const isMin = issue.code === 'too_small';
      const bound = Number(isMin ? issue.minimum : issue.maximum);
      if (issue.origin === 'array') {
        diagnostics.error(
          'TOPOLOGY_OUT_OF_RANGE',
          { path },
          isMin ? `needs at least ${bound} item${bound === 1 ? '' : 's'}` : `allows at most ${bound} items`,
          isMin ? 'add an entry' : 'remove entries',
        );
      } else if (issue.origin === 'string') {
        diagnostics.error('TOPOLOGY_OUT_OF_RANGE', { path }, 'must not be empty', 'write a non-empty value');
      } else {
        diagnostics.error(
          'TOPOLOGY_OUT_OF_RANGE',
          { path },
          `${String(value)} is ${isMin ? 'below the minimum' : 'above the maximum'} ${bound}`,
          `use a value ${isMin ? '>=' : '<='} ${bound}`,
        );
      }
      return;
    }
    case 'invalid_value': {
      const choices = issue.values.map(String);
      const guess = typeof value === 'string' ? didYouMean(value, choices) : undefined;
      diagnostics.error(
        'TOPOLOGY_INVALID_VALUE',
        { path },
        `${describeValue(value)} is not one of ${choices.join(', ')}`,
        guess ? `did you mean "${guess}"?` : `use one of ${choices.join(', ')}`,
      );
      return;
    }
    case 'invalid_format': {
      const format = STRING_FORMATS[issue.message as StringFormat] as
        (typeof STRING_FORMATS)[StringFormat] | undefined;
      diagnostics.error(
        'TOPOLOGY_INVALID_FORMAT',
        { path },
        `${describeValue(value)} ${format?.what ?? 'has the wrong form'}`,
        format?.fix ?? 'see docs/topology.md for the expected form',
      );
      return;
    }
    case 'unrecognized_keys': {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        diagnostics.error(
          'TOPOLOGY_UNKNOWN_KEY',
          { path: [...path, key], part: 'key' },
          `unknown key "${key}"`,
          guess ? `did you mean "${guess}"?` : `remove it; allowed here: ${known.join(', ')}`,
        );
      }
      return;
    }
    case 'invalid_union': {
      // The branch whose type matched (its issues lie deeper than the union) explains the problem best.
      const matched = issue.errors.find((branch) => branch.every((i) => i.path.length > 0));
      if (matched) {
        for (const inner of matched) reportIssue(schema, data, inner, path, diagnostics);
        return;
      }
      const expected = issue.errors
        .flatMap((branch) => branch.filter((i) => i.path.length === 0))
        .map((i) =>
          i.code === 'invalid_type'
            ? expectedWord(i.expected)
            : i.code === 'invalid_value'
              ? i.values.join(' or ')
              : '',
        )
        .filter((w) => w !== '');
      const wanted = [...new Set(expected)].join(' or ');
      diagnostics.error(
        'TOPOLOGY_WRONG_TYPE',
        { path },
        `expected ${wanted}, got ${describeValue(value)}`,
        `write ${wanted}`,
      );
      return;
    }
    default:
      diagnostics.error('TOPOLOGY_WRONG_TYPE', { path }, issue.message, `fix ${formatPath(path)}`);
  }
}

/** The value at `path` in plain data, or undefined. */
export function valueAt(data: unknown, path: DocPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** A short, secret-free description of a value for messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function expectedWord(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

/** The schema at `path`, looking through optional wrappers, unions (their mapping branch), records and lists. */
function schemaAt(schema: z.ZodType, path: DocPath): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject)
      current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return undefined;
    current = current === undefined ? undefined : unwrap(current);
  }
  return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodUnion) {
      const object = (current.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
      if (!object) return current;
      current = object;
    } else return current;
  }
}

function knownKeys(schema: z.ZodType, path: DocPath): string[] {
  const at = schemaAt(schema, path);
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

function describeField(schema: z.ZodType, path: DocPath): string | undefined {
  const parent = schemaAt(schema, path.slice(0, -1));
  if (!(parent instanceof z.ZodObject)) return undefined;
  const field = (parent.shape as Record<string, z.ZodType>)[String(path.at(-1))];
  const description = field?.meta()?.description;
  if (typeof description !== 'string') return undefined;
  const text = description.replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}
