/**
 * Kubernetes manifests, offline: `kubectl kustomize` renders an overlay, and `validateManifest` checks each
 * object against the API types of a pinned Kubernetes version — the OpenAPI models generated into
 * `@kubernetes/client-node` (its exact version is pinned in package.json; the models say which Kubernetes
 * release they come from, `KUBERNETES_MODELS_RELEASE`). Strict: a field the API does not have, or a value of
 * the wrong type (a string where an integer goes, a map where a list goes), is an error. Required fields and
 * enumerations are not in those models and so not checked here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as models from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubectlBinary } from '../harness/index.ts';

export type { V1ConfigMap, V1Deployment, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

/** The Kubernetes release the models were generated from, e.g. `release-1.36`. */
export const KUBERNETES_MODELS_RELEASE = ((): string => {
  const entry = createRequire(import.meta.url).resolve('@kubernetes/client-node');
  const source = readFileSync(join(dirname(entry), 'gen', 'models', 'V1Deployment.js'), 'utf8');
  const match = /OpenAPI spec version: (\S+)/.exec(source);
  if (!match) throw new Error('@kubernetes/client-node: no "OpenAPI spec version" in its generated models');
  return match[1]!;
})();

/** A Kubernetes object as YAML gives it. */
export interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; [field: string]: unknown };
  [field: string]: unknown;
}

/** The objects `kubectl kustomize <dir>` renders; a clear error when kubectl is missing or kustomize fails. */
export function renderKustomization(dir: string): Manifest[] {
  const kubectl = kubectlBinary();
  let text: string;
  try {
    text = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        `kubectl ${kubectl} cannot be run (needed for \`kubectl kustomize\`, kustomize v5): install kubectl, or set GEOMESH_KUBECTL to one`,
        { cause: err },
      );
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** The model class of `apiVersion` + `kind` (`apps/v1` Deployment → V1Deployment), or undefined. */
function modelOf(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').at(-1)!;
  const name = `${version[0]!.toUpperCase()}${version.slice(1)}${kind}`;
  const model = (models as unknown as Record<string, Model | undefined>)[name];
  return typeof model?.getAttributeTypeMap === 'function' ? name : undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Problems of `value` against the model type `type` (a class name, `Array<T>`, a map, or a primitive). */
function check(value: unknown, type: string, format: string, path: string, out: string[]): void {
  const wrong = (expected: string): void => {
    out.push(`${path}: expected ${expected}, got ${describe(value)}`);
  };
  if (value === null || value === undefined) return;
  const list = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) return wrong('a list');
    value.forEach((item, i) => check(item, list[1]!, '', `${path}[${i}]`, out));
  } else if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('a mapping');
    for (const [key, item] of Object.entries(value)) check(item, map[1]!, '', `${path}.${key}`, out);
  } else if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') wrong('a string');
  } else if (type === 'number') {
    if (typeof value !== 'number') return wrong('a number');
    if (format.startsWith('int') && !Number.isInteger(value)) wrong('an integer');
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') wrong('a boolean');
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) wrong('an integer or a string');
  } else if (type === 'any' || type === 'object') {
    // Free-form in the API.
  } else {
    const model = (models as unknown as Record<string, Model | undefined>)[type];
    if (!model) throw new Error(`@kubernetes/client-node has no model ${type} (at ${path})`);
    if (typeof value !== 'object' || Array.isArray(value)) return wrong(`a mapping (${type})`);
    const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
    for (const [key, item] of Object.entries(value)) {
      const field = fields.get(key);
      if (!field) out.push(`${path}.${key}: unknown field (${type} has ${[...fields.keys()].join(', ')})`);
      else check(item, field.type, field.format, `${path}.${key}`, out);
    }
  }
}

/** What is wrong with `manifest` for Kubernetes (empty when valid), each problem prefixed by `Kind/name`. */
export function validateManifest(manifest: Manifest): string[] {
  const { apiVersion, kind } = manifest;
  const name = typeof manifest.metadata?.name === 'string' ? manifest.metadata.name : '(no name)';
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [`${name}: apiVersion and kind must be strings`];
  const model = modelOf(apiVersion, kind);
  if (!model)
    return [
      `${kind}/${name}: ${apiVersion} ${kind} is not a type of Kubernetes ${KUBERNETES_MODELS_RELEASE}`,
    ];
  const problems: string[] = [];
  check(manifest, model, '', '', problems);
  return problems.map((p) => `${kind}/${name}: ${p.replace(/^\./, '')}`);
}
