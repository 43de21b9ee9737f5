/**
 * The rules the schema cannot express: names, references between links and regions, duplicates,
 * regexes, selections, cross-field ranges, isolated regions and forwarding paths (the link rules are in
 * check-link-rules.ts). Each check reads the
 * data defensively, so every rule runs even when the schema found other problems, and every problem is
 * reported in one pass.
 */
import type { DiagnosticCollector } from './diagnostic-collector.ts';
import type { DocPath } from './source-map.ts';
import { checkForwarding, checkIsolated, checkLinks } from './check-link-rules.ts';
import { asArray, asObject, asString, type Obj } from './rule-readers.ts';
import { ENV_REFERENCE_PATTERN, PROVENANCE_KEY_MIN_LENGTH } from './topology-schema.ts';

/** A region name: a lowercase DNS label (RFC 1123), at most 63 characters. */
export const REGION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A mesh name: like a region name, but starting with a letter. */
export const MESH_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '::']);

/** Runs every rule on `data` (options after `${ENV}` resolution). */
export function checkTopologyRules(data: unknown, diagnostics: DiagnosticCollector): void {
  const root = asObject(data);
  if (!root) return;
  checkMeshName(root, diagnostics);
  const regions = checkRegions(root, diagnostics);
  checkTlsPair(asObject(asObject(root['etcd'])?.['tls']), ['etcd', 'tls'], diagnostics);
  const links = checkLinks(root, regions, diagnostics);
  if (links) {
    checkIsolated(regions, links, diagnostics);
    if (!diagnostics.hasErrors) checkForwarding(regions, links, diagnostics);
  }
}

/**
 * The provenance key, once resolved, is long enough to be a real HMAC key. Checked only when the file wrote a
 * reference that resolved (a literal or an unset variable is reported by `${ENV}` resolution already), so
 * `raw` is the document before resolution and `resolved` after. The message never shows the value or its length.
 */
export function checkProvenanceKey(raw: unknown, resolved: unknown, diagnostics: DiagnosticCollector): void {
  const rawProvenance = asObject(asObject(raw)?.['provenance']);
  const resolvedProvenance = asObject(asObject(resolved)?.['provenance']);
  const check = (written: unknown, value: unknown, path: (string | number)[], isOptional: boolean) => {
    const w = asString(written);
    const v = asString(value);
    if (w === undefined || v === undefined || !ENV_REFERENCE_PATTERN.test(w)) return;
    if (v === w || v.length >= PROVENANCE_KEY_MIN_LENGTH || (isOptional && v === '')) return;
    diagnostics.error(
      'TOPOLOGY_PROVENANCE_KEY_SHORT',
      { path },
      `the provenance key from ${w} is shorter than ${PROVENANCE_KEY_MIN_LENGTH} characters (its value is not shown)`,
      `use a random value of at least ${PROVENANCE_KEY_MIN_LENGTH} characters, e.g. \`openssl rand -hex 32\`` +
        (isOptional ? ', or an empty value for no accepted key in this slot' : ''),
    );
  };
  check(rawProvenance?.['key'], resolvedProvenance?.['key'], ['provenance', 'key'], false);
  const writtenAccept = rawProvenance?.['accept'];
  const resolvedAccept = resolvedProvenance?.['accept'];
  if (!Array.isArray(writtenAccept) || !Array.isArray(resolvedAccept)) return;
  writtenAccept.forEach((w: unknown, i) => check(w, resolvedAccept[i], ['provenance', 'accept', i], true));
}

function checkMeshName(root: Obj, diagnostics: DiagnosticCollector): void {
  const mesh = asString(root['mesh']);
  if (mesh === undefined || MESH_NAME.test(mesh)) return;
  const suggestion = toLabel(mesh, true);
  diagnostics.error(
    'TOPOLOGY_INVALID_MESH_NAME',
    { path: ['mesh'] },
    `mesh name "${mesh}" is not valid: use lowercase letters, digits and hyphens, start with a letter, end with a letter or digit, at most 63 characters`,
    suggestion ? `rename it, e.g. "${suggestion}"` : 'rename it',
  );
}

/** A name made valid: lowercase, other characters turned into hyphens, trimmed. */
function toLabel(name: string, mustStartWithLetter: boolean): string | undefined {
  let label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (mustStartWithLetter) label = label.replace(/^[^a-z]+/, '');
  return label !== '' && label !== name ? label : undefined;
}

/** Checks region names, addresses and TLS; returns the names of all declared regions. */
function checkRegions(root: Obj, diagnostics: DiagnosticCollector): string[] {
  const regions = asObject(root['regions']);
  if (!regions) return [];
  const names = Object.keys(regions);
  if (names.length === 0) {
    diagnostics.error(
      'TOPOLOGY_OUT_OF_RANGE',
      { path: ['regions'] },
      'no regions are declared',
      'declare at least two regions',
    );
  }
  const brokerOwners = new Map<string, string>();
  const nodeOwners = new Map<string, { region: string; kind: string }>();
  for (const name of names) {
    if (!REGION_NAME.test(name)) {
      const suggestion = toLabel(name, false);
      diagnostics.error(
        'TOPOLOGY_INVALID_REGION_NAME',
        { path: ['regions', name], part: 'key' },
        `region name "${name}" is not a lowercase DNS label (a-z, 0-9 and -, not starting or ending with -, at most 63 characters)`,
        suggestion ? `rename it, e.g. "${suggestion}"` : 'rename it',
      );
    }
    const region = asObject(regions[name]);
    const kafka = asObject(region?.['kafka']);
    const brokers = (field: string) =>
      (asArray(kafka?.[field]) ?? []).map((broker, i) => ({
        broker,
        path: ['regions', name, 'kafka', field, i],
      }));
    [...brokers('brokers'), ...brokers('remoteBrokers')].forEach(({ broker, path }) => {
      const address = asString(broker);
      if (address === undefined) return;
      if (!checkPort(address, path, diagnostics)) return;
      const key = address.toLowerCase();
      const owner = brokerOwners.get(key);
      if (owner !== undefined && owner !== name) {
        diagnostics.error(
          'TOPOLOGY_DUPLICATE_BROKER',
          { path },
          `broker ${address} is also a broker of region "${owner}": the same Kafka cluster cannot be two regions`,
          `give region "${name}" its own cluster's brokers, or remove one of the two regions`,
        );
      } else brokerOwners.set(key, name);
    });
    const tls = kafka?.['tls'];
    checkTlsPair(asObject(tls), ['regions', name, 'kafka', 'tls'], diagnostics);
    const node = asObject(region?.['node']);
    checkOperators(node, name, diagnostics);
    for (const kind of ['grpc', 'http', 'advertise'] as const) {
      const address = asString(node?.[kind]);
      if (address === undefined) continue;
      const path = ['regions', name, 'node', kind];
      if (!checkPort(address, path, diagnostics)) continue;
      const host = address.slice(0, address.lastIndexOf(':'));
      if (WILDCARD_HOSTS.has(host)) {
        if (kind === 'advertise')
          diagnostics.error(
            'TOPOLOGY_INVALID_FORMAT',
            { path },
            `advertised address ${address} is a wildcard: no peer can call it`,
            'write the host name or IP address (and port) other regions reach this node at, or remove advertise to use the listen address',
          );
        continue;
      }
      const owner = nodeOwners.get(address.toLowerCase());
      // A node may advertise its own listen address; nothing else may share one.
      if (owner !== undefined && !(kind === 'advertise' && owner.region === name && owner.kind === 'grpc')) {
        diagnostics.error(
          'TOPOLOGY_DUPLICATE_ADDRESS',
          { path },
          `address ${address} is already used by the ${owner.kind} address of region "${owner.region}"`,
          kind === 'advertise'
            ? 'give every region its own advertised address'
            : 'give every node its own listen address',
        );
      } else if (owner === undefined) nodeOwners.set(address.toLowerCase(), { region: name, kind });
    }
  }
  return names;
}

/** Certificate identity forms the node's authorisation matches (as `geomesh.v1` RPC options name them). */
const OPERATOR_IDENTITY_PREFIXES = ['CN=', 'DNS:', 'URI:', 'IP Address:', 'email:'];

/**
 * `node.operators` must let someone in (a token or client identities), name identities in a form the node
 * matches, and come with `node.tls`: tokens are only sent over TLS and identities come from client
 * certificates.
 */
function checkOperators(
  node: Record<string, unknown> | undefined,
  region: string,
  diagnostics: DiagnosticCollector,
): void {
  const operators = asObject(node?.['operators']);
  if (!operators) return;
  const path = ['regions', region, 'node', 'operators'];
  const clients = Array.isArray(operators['clients']) ? (operators['clients'] as unknown[]) : [];
  if (operators['token'] === undefined && clients.length === 0) {
    diagnostics.error(
      'TOPOLOGY_MISSING_FIELD',
      { path },
      'operators names nobody: neither a token nor client identities',
      'add token: "${GEOMESH_OPERATOR_TOKEN}" and/or clients: ["CN=<operator>"], or remove operators',
    );
  }
  clients.forEach((client, i) => {
    if (typeof client !== 'string') return; // the schema reports the type
    if (OPERATOR_IDENTITY_PREFIXES.some((p) => client.startsWith(p) && client.length > p.length)) return;
    diagnostics.error(
      'TOPOLOGY_INVALID_VALUE',
      { path: [...path, 'clients', i] },
      `client identity "${client}" is not in a form the node matches`,
      `start it with one of ${OPERATOR_IDENTITY_PREFIXES.join(', ')} (e.g. "CN=ops-alice")`,
    );
  });
  if (node?.['tls'] === undefined) {
    diagnostics.error(
      'TOPOLOGY_MISSING_FIELD',
      { path },
      'operators need node.tls: tokens are only sent over TLS and identities come from client certificates',
      'add tls: { ca: ..., cert: ..., key: ... } to the node',
    );
  }
}

function checkPort(address: string, path: DocPath, diagnostics: DiagnosticCollector): boolean {
  const match = /:([0-9]{1,5})$/.exec(address);
  if (!match) return false; // the schema reports the malformed address
  const port = Number(match[1]);
  if (port >= 1 && port <= 65535) return true;
  diagnostics.error(
    'TOPOLOGY_OUT_OF_RANGE',
    { path },
    `port ${port} of "${address}" is not in 1..65535`,
    'use a port from 1 to 65535',
  );
  return false;
}

function checkTlsPair(tls: Obj | undefined, path: DocPath, diagnostics: DiagnosticCollector): void {
  if (!tls) return;
  const hasCert = tls['cert'] !== undefined;
  const hasKey = tls['key'] !== undefined;
  if (hasCert === hasKey) return;
  const [given, missing] = hasCert ? ['cert', 'key'] : ['key', 'cert'];
  diagnostics.error(
    'TOPOLOGY_TLS_INCOMPLETE',
    { path: [...path, given], part: 'key' },
    `a client ${given} is given without its ${missing}`,
    `add ${missing}: with the matching PEM file, or remove ${given}`,
  );
}
