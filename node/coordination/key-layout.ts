/**
 * Where geomesh keeps things in etcd. Every key of a mesh lives under `/geomesh/<mesh>/`; the adapter works in
 * an etcd namespace rooted there, so the rest of geomesh only ever sees keys relative to it:
 *
 * - `nodes/<region>/<id>`           one live node instance, on its lease (JSON, see member-codec.ts)
 * - anything else                   documents owned by their feature (region state, assignments, operations)
 */
import { GeomeshError } from '../../base/index.ts';
import { isValidName } from '../coordination-ports/index.ts';

function checkName(what: string, value: string): string {
  if (typeof value !== 'string' || !isValidName(value)) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `${what} ${JSON.stringify(value)} is not a valid name: use 1–63 lowercase letters, digits, ".", "_" or "-", ` +
        'starting and ending with a letter or digit',
      { details: { [what]: String(value) } },
    );
  }
  return value;
}

/** The etcd prefix of one mesh: `/geomesh/<mesh>/`. */
export function meshPrefix(mesh: string): string {
  return `/geomesh/${checkName('mesh', mesh)}/`;
}

/** A relative key for a document: non-empty, no leading `/`, no empty or `.`/`..` segments. */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.startsWith('/') || key.includes('\0')) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `etcd key ${JSON.stringify(key)} is invalid: keys are non-empty and relative to the mesh prefix (no leading "/")`,
      { details: { key: String(key) } },
    );
  }
  const segments = key.split('/');
  // A trailing "/" is allowed: prefixes such as `nodes/` end with it.
  const inner = key.endsWith('/') ? segments.slice(0, -1) : segments;
  if (inner.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `etcd key ${JSON.stringify(key)} has an empty, "." or ".." segment`,
      { details: { key } },
    );
  }
  return key;
}

/** A relative prefix for listing or watching; the empty prefix means the whole mesh. */
export function checkPrefix(prefix: string): string {
  return prefix === '' ? prefix : checkKey(prefix);
}

/** `nodes/` or `nodes/<region>/`. */
export function membersPrefix(region?: string): string {
  return region === undefined ? 'nodes/' : `nodes/${checkName('region', region)}/`;
}

/** `nodes/<region>/<id>`. */
export function memberKey(region: string, id: string): string {
  return `${membersPrefix(region)}${checkName('instance id', id)}`;
}

/** The region and id of a `nodes/<region>/<id>` key, or undefined for any other key. */
export function parseMemberKey(key: string): { region: string; id: string } | undefined {
  const match = /^nodes\/([^/]+)\/([^/]+)$/.exec(key);
  if (!match || !isValidName(match[1]!) || !isValidName(match[2]!)) return undefined;
  return { region: match[1]!, id: match[2]! };
}
