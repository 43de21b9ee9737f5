/** Topology text for a full mesh of local regions (tests, the playground mesh): every region links to every other. */

export interface LocalRegion {
  name: string;
  brokers: string;
  grpcPort: number;
  httpPort: number;
}

export interface FullMeshOptions {
  mesh: string;
  etcdEndpoint: string;
  regions: readonly LocalRegion[];
  /** Topic patterns replicated; default `orders-.*`. */
  topics?: readonly string[];
  /** Group patterns translated; default every group. */
  groups?: readonly string[];
  /** A first comment line. */
  comment?: string;
  /** Mutual TLS between the nodes and from operators (`node.tls` of every region): PEM file paths. */
  tls?: { ca: string; cert: string; key: string };
  /** Client certificate identities allowed to fail over (`node.operators.clients`; needs `tls`). */
  operatorClients?: readonly string[];
}

/** A full-mesh topology on loopback, its provenance key from `${GEOMESH_PROVENANCE_KEY}`. */
export function fullMeshTopology(options: FullMeshOptions): string {
  const list = (patterns: readonly string[]): string => patterns.map((p) => `'${p}'`).join(', ');
  const { tls, operatorClients } = options;
  const nodeSecurity =
    (tls ? `, tls: { ca: '${tls.ca}', cert: '${tls.cert}', key: '${tls.key}' }` : '') +
    (operatorClients ? `, operators: { clients: [${list(operatorClients)}] }` : '');
  return [
    ...(options.comment ? [`# ${options.comment}`] : []),
    `mesh: ${options.mesh}`,
    `etcd: { endpoints: ['${options.etcdEndpoint}'] }`,
    "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
    'regions:',
    ...options.regions.map(
      (r) =>
        `  ${r.name}: { kafka: { brokers: ['${r.brokers}'] }, node: { grpc: '127.0.0.1:${r.grpcPort}', http: '127.0.0.1:${r.httpPort}'${nodeSecurity} } }`,
    ),
    'links:',
    `  - between: [${options.regions.map((r) => r.name).join(', ')}]`,
    `    topics: { include: [${list(options.topics ?? ['orders-.*'])}] }`,
    `    groups: { include: [${list(options.groups ?? ['.*'])}] }`,
    '',
  ].join('\n');
}

/** Two regions, east → west, west's instances sharing its partitions; its provenance key from the environment. */
export function sharedWestTopology(options: {
  mesh: string;
  etcdEndpoint: string;
  eastBrokers: string;
  /** east's node's gRPC address (translation tests), if any. */
  eastGrpc?: string;
  westBrokers: string;
  leaseTtlMs: number;
  topic: string;
}): string {
  return [
    `mesh: ${options.mesh}`,
    `etcd: { endpoints: ['${options.etcdEndpoint}'] }`,
    "provenance: { key: '${GEOMESH_PROVENANCE_KEY}' }",
    'regions:',
    `  east:`,
    `    kafka: { brokers: ['${options.eastBrokers}'] }`,
    ...(options.eastGrpc ? [`    node: { grpc: '${options.eastGrpc}' }`] : []),
    `  west:`,
    `    kafka: { brokers: ['${options.westBrokers}'] }`,
    `    node: { workSharing: { leaseTtlMs: ${options.leaseTtlMs} } }`,
    'links:',
    `  - { from: east, to: west, topics: { include: [${options.topic}] } }`,
    '',
  ].join('\n');
}
