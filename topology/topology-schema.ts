/**
 * The schema of a topology file: the one place every field is declared, with its meaning, default and
 * unit. Structure, types and ranges are checked here (zod); rules that span fields (names, references
 * between regions and links, duplicates, regexes, secrets) are checked in `validate-topology.ts`.
 * `topology.schema.json` is generated from this file by `scripts/generate-topology-schema.ts`.
 */
import { z } from 'zod';

/** Named string formats: a format failure's message is one of these keys, explained by `STRING_FORMATS`. */
export const STRING_FORMATS = {
  address: {
    pattern: /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}$/,
    what: 'is not a host:port address',
    fix: 'write it as host:port, e.g. "10.0.0.5:9092" or "[::1]:9092"',
  },
  url: {
    pattern: /^https?:\/\/[^\s/]+(?::[0-9]{1,5})?\/?$/,
    what: 'is not an http(s)://host:port URL',
    fix: 'write it as http://host:port or https://host:port',
  },
} as const;

export type StringFormat = keyof typeof STRING_FORMATS;

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** Defaults of link options; see each field below for its meaning and unit. */
export const LINK_OPTION_DEFAULTS = Object.freeze({
  // Half the broker's default request limit (message.max.bytes, ~1 MiB): origin headers add ~80 bytes a record.
  maxBatchBytes: 512 * KIB,
  compression: 'none',
  exactlyOnce: false,
  maxRecordsPerSecond: null,
  maxInflightBytes: 16 * MIB,
  onSourceTruncated: 'continue',
  onRecordTooLarge: 'halt',
  syncGroupOffsets: false,
  transport: 'pull',
} as const);

/** Ranges of numeric link options (inclusive). */
export const LINK_OPTION_RANGES = Object.freeze({
  maxBatchBytes: { min: KIB, max: 64 * MIB },
  maxInflightBytes: { min: 64 * KIB, max: GIB },
  maxRecordsPerSecond: { min: 1, max: 10_000_000 },
});

/** Default listen address of a region's node for gRPC (peers and the CLI). */
export const DEFAULT_NODE_GRPC = '0.0.0.0:7100';
/** Default listen address of a region's node for `/metrics` and `/health`. */
export const DEFAULT_NODE_HTTP = '0.0.0.0:9464';
/** The selection of consumer groups a link uses when it declares none: every group. */
export const DEFAULT_GROUP_SELECTION = Object.freeze({ include: ['.*'], exclude: [] as string[] });

/** A `${NAME}` reference alone: the form secrets must take. */
export const ENV_REFERENCE_PATTERN = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

const address = (description: string) =>
  z.string().regex(STRING_FORMATS.address.pattern, 'address').meta({ description });

const filePath = (description: string) => z.string().min(1).meta({ description });

const secret = (description: string) =>
  z
    .string()
    .min(1)
    .meta({
      description: `${description} Must be an \${ENV} reference; the value is never logged or stored.`,
      pattern: ENV_REFERENCE_PATTERN.source,
    });

const TlsFilesSchema = z
  .strictObject({
    ca: filePath('PEM file of the CA certificates to trust; default: the system CAs.').optional(),
    cert: filePath('PEM file of the client certificate (mutual TLS); needs `key`.').optional(),
    key: filePath('PEM file of the client private key (mutual TLS); needs `cert`.').optional(),
  })
  .meta({ description: 'TLS with explicit files. All paths are resolved by the node that reads them.' });

const TlsSchema = z.union([z.literal(true), TlsFilesSchema]).meta({
  description: '`true` for TLS with the system CAs, or a mapping of PEM files. Default: plaintext.',
});

const SaslSchema = z
  .strictObject({
    mechanism: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
      .meta({ description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512.' }),
    username: z.string().min(1).meta({ description: 'SASL user name.' }),
    password: secret('SASL password.'),
  })
  .meta({ description: 'SASL authentication to the brokers. Default: none.' });

const KafkaSchema = z
  .strictObject({
    brokers: z.array(address('A bootstrap broker as host:port.')).min(1).meta({
      description: "Bootstrap brokers of the region's Kafka cluster, host:port each (at least one).",
    }),
    remoteBrokers: z
      .array(address('A bootstrap broker as host:port.'))
      .min(1)
      .optional()
      .meta({
        description:
          'Bootstrap brokers the nodes of OTHER regions use to read this cluster (an external listener, a ' +
          'private link, a proxy), with the same tls and sasl. The brokers must advertise addresses those ' +
          'nodes reach on the listener behind them. Default: `brokers`.',
      }),
    tls: TlsSchema.optional(),
    sasl: SaslSchema.optional(),
  })
  .meta({ description: "How to reach the region's Kafka cluster." });

const NodeTlsSchema = z
  .strictObject({
    ca: filePath('PEM file of the mesh CA: peers and operators must present a certificate it signed.'),
    cert: filePath(
      "PEM file of this node's certificate (served to peers and operators, presented to peers).",
    ),
    key: filePath("PEM file of this node's private key."),
  })
  .meta({
    description:
      "Mutual TLS for the node's gRPC: it serves with `cert`, requires a client certificate signed by `ca`, and " +
      'calls its peers with the same files. Default: plaintext (loopback development only).',
  });

const NodeOperatorsSchema = z
  .strictObject({
    token: secret(
      'Bearer token operators present (`geomesh failover --token-env VAR`); needs node.tls.',
    ).optional(),
    clients: z
      .array(z.string().min(1))
      .optional()
      .meta({
        description:
          'Client certificate identities (mutual TLS) allowed to call state-changing RPCs: `CN=<name>`, ' +
          '`DNS:<name>`, `URI:<uri>`, `IP Address:<ip>` or `email:<address>`.',
      }),
  })
  .meta({
    description:
      "Who may call the node's state-changing RPCs (failover). Default: nobody (they are refused).",
  });

/** Default TTL of the lease that fences a work-sharing instance's partitions. */
export const DEFAULT_WORK_SHARING_LEASE_TTL_MS = 10_000;

const WorkSharingSchema = z
  .union([
    z.literal(true),
    z.strictObject({
      leaseTtlMs: z
        .int()
        .min(2_000)
        .max(120_000)
        .multipleOf(1_000)
        .optional()
        .meta({
          description:
            `TTL of the lease fencing an instance's partitions, in ms (whole seconds). A crashed instance's ` +
            `partitions move after about this long; a frozen one stops writing a fifth of it earlier. Default: ${DEFAULT_WORK_SHARING_LEASE_TTL_MS}.`,
        }),
    }),
  ])
  .meta({
    description:
      "Run several instances of this region's node that share the target partitions of its inbound links " +
      'through etcd, with fencing (docs/work-sharing.md): `true`, or the options. Default: one instance, and ' +
      'nothing on the data path asks etcd.',
  });

const NodeSchema = z
  .strictObject({
    tls: NodeTlsSchema.optional(),
    workSharing: WorkSharingSchema.optional(),
    operators: NodeOperatorsSchema.optional(),
    grpc: address(`gRPC listen address (peers, CLI) as host:port. Default: ${DEFAULT_NODE_GRPC}.`).optional(),
    advertise: address(
      'Address peers and the CLI call this node at, as host:port, when it differs from where it listens (a ' +
        'load balancer, a private link, a proxy); registered in etcd for every instance. Default: the ' +
        'listen address (a wildcard host replaced by the machine name).',
    ).optional(),
    http: address(
      `HTTP listen address for /metrics and /health as host:port. Default: ${DEFAULT_NODE_HTTP}.`,
    ).optional(),
  })
  .meta({ description: "The region's geomesh node. Default: both addresses at their defaults." });

const RegionSchema = z
  .strictObject({ kafka: KafkaSchema, node: NodeSchema.optional() })
  .meta({ description: 'One region: its Kafka cluster and its geomesh node.' });

const EtcdSchema = z
  .strictObject({
    endpoints: z
      .array(z.string().regex(STRING_FORMATS.url.pattern, 'url').meta({ description: 'http(s)://host:port' }))
      .min(1)
      .meta({ description: 'etcd client URLs (at least one).' }),
    tls: TlsFilesSchema.optional().meta({
      description: 'TLS files for etcd. Default: as the URL scheme says.',
    }),
    auth: z
      .strictObject({
        username: z.string().min(1).meta({ description: 'etcd user name.' }),
        password: secret('etcd password.'),
      })
      .optional()
      .meta({ description: 'etcd authentication. Default: none.' }),
  })
  .meta({ description: 'The etcd cluster holding membership, leases, topology and failover state.' });

const PatternListSchema = z.array(z.string()).meta({
  description:
    'Regular expressions (JavaScript syntax), each matched against the whole name: "orders-.*" matches ' +
    '"orders-eu" but not "my-orders-eu".',
});

const SelectionSchema = z
  .strictObject({
    include: PatternListSchema.meta({
      description: 'Names matching any of these are selected (required, non-empty).',
    }),
    exclude: PatternListSchema.optional().meta({
      description: 'Names matching any of these are not. Default: [].',
    }),
  })
  .meta({ description: 'A selection of names: include minus exclude. Internal names are never selected.' });

const range = (key: keyof typeof LINK_OPTION_RANGES) => LINK_OPTION_RANGES[key];

const LinkOptionsSchema = z
  .strictObject({
    maxBatchBytes: z.int().min(range('maxBatchBytes').min).max(range('maxBatchBytes').max).optional().meta({
      description: 'Largest batch written to the target, in bytes.',
      default: LINK_OPTION_DEFAULTS.maxBatchBytes,
    }),
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).optional().meta({
      description: 'Compression of batches written to the target.',
      default: LINK_OPTION_DEFAULTS.compression,
    }),
    transport: z
      .enum(['pull', 'stream'])
      .optional()
      .meta({
        description:
          "How the target's node gets the source's records: `pull` reads the source cluster directly; `stream` " +
          "asks the source region's node to stream only the records the target needs (compressed), and pulls " +
          'while that node is unreachable, slow or stalled.',
        default: LINK_OPTION_DEFAULTS.transport,
      }),
    syncGroupOffsets: z
      .boolean()
      .optional()
      .meta({
        description:
          "Commit the translated offsets of the link's selected groups (`groups`) into the target region, for " +
          'groups with no active members there, every checkpoint; never moving a group backwards.',
        default: LINK_OPTION_DEFAULTS.syncGroupOffsets,
      }),
    exactlyOnce: z
      .boolean()
      .optional()
      .meta({ description: 'Write with Kafka transactions as well as origin-offset dedup.', default: false }),
    maxRecordsPerSecond: z
      .int()
      .min(range('maxRecordsPerSecond').min)
      .max(range('maxRecordsPerSecond').max)
      .optional()
      .meta({ description: 'Rate limit of the link in records per second. Default: unlimited.' }),
    maxInflightBytes: z
      .int()
      .min(range('maxInflightBytes').min)
      .max(range('maxInflightBytes').max)
      .optional()
      .meta({
        description:
          'Bytes read but not yet written per link before the source pauses; at least maxBatchBytes.',
        default: LINK_OPTION_DEFAULTS.maxInflightBytes,
      }),
    onSourceTruncated: z
      .enum(['continue', 'halt'])
      .optional()
      .meta({
        description:
          'Source records deleted before they were copied (retention, deleteRecords) or a re-created source ' +
          'topic: counted, logged and shown either way; `continue` goes on, `halt` stops the partition.',
        default: LINK_OPTION_DEFAULTS.onSourceTruncated,
      }),
    onRecordTooLarge: z
      .enum(['halt', 'skip'])
      .optional()
      .meta({
        description:
          "A record larger than the target's max.message.bytes: `halt` stops its partition before it, " +
          '`skip` counts, logs and passes over it.',
        default: LINK_OPTION_DEFAULTS.onRecordTooLarge,
      }),
  })
  .meta({
    description: 'Tuning of one link. Each field falls back to defaults.options, then to its default.',
  });

const regionName = z.string().meta({ description: 'A declared region name.' });

const LinkSchema = z
  .strictObject({
    from: regionName.optional().meta({ description: 'Source region of a one-way link (with `to`).' }),
    to: regionName.optional().meta({ description: 'Target region of a one-way link (with `from`).' }),
    between: z.array(regionName).optional().meta({
      description: 'Active-active shorthand: a link in each direction between every two of these regions.',
    }),
    topics: SelectionSchema.optional().meta({
      description: 'Topics the link replicates. Default: defaults.topics.',
    }),
    groups: SelectionSchema.optional().meta({
      description:
        'Consumer groups whose offsets the link translates. Default: defaults.groups, else every group.',
    }),
    options: LinkOptionsSchema.optional(),
  })
  .meta({
    description: 'Directed links: {from, to} or {between: [...]}. Records flow from → to (the target pulls).',
    oneOf: [{ required: ['from', 'to'] }, { required: ['between'] }],
  });

const DefaultsSchema = z
  .strictObject({
    topics: SelectionSchema.optional(),
    groups: SelectionSchema.optional(),
    options: LinkOptionsSchema.optional(),
  })
  .meta({ description: 'Values for links that leave topics, groups or options out.' });

/** Minimum length of the resolved provenance key, in characters. */
export const PROVENANCE_KEY_MIN_LENGTH = 32;

const ProvenanceSchema = z
  .strictObject({
    key: secret(
      `Mesh-wide key of the HMAC tag that replicated records carry in their origin headers, at least ` +
        `${PROVENANCE_KEY_MIN_LENGTH} characters (e.g. \`openssl rand -hex 32\`). Every node tags with its ` +
        `\`key\`; during a rotation nodes may hold different values (docs/topology.md, "Rotating the key").`,
    ),
    accept: z
      .array(
        z.string().meta({
          description:
            `Another key this node verifies tags with (the previous key, or the next one, of a rotation), ` +
            `at least ${PROVENANCE_KEY_MIN_LENGTH} characters, or empty (no key in this slot). Must be an ` +
            `\${ENV} reference; the value is never logged or stored.`,
          pattern: ENV_REFERENCE_PATTERN.source,
        }),
      )
      .optional()
      .meta({ description: 'Keys accepted besides `key` (verify only, never tag). Default: none.' }),
    onUnknownKey: z
      .enum(['halt', 'skip'])
      .optional()
      .meta({
        description:
          'A record tagged by a mesh key this node does not hold, which a link would have to write: `halt` ' +
          'its partition (default) or `skip` the record. Never copied as a local record (that would loop).',
      }),
  })
  .meta({
    description:
      'Provenance of replicated records: every node tags the records it writes and trusts origin headers ' +
      'only with a valid tag. Default: none.',
  });

/** The whole topology file, as a user writes it. */
export const TopologySchema = z
  .strictObject({
    mesh: z.string().meta({
      description:
        'Name of the mesh: lowercase letters, digits and hyphens, starting with a letter, at most 63.',
      pattern: '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$',
    }),
    etcd: EtcdSchema,
    regions: z.record(z.string(), RegionSchema).meta({
      description: 'The regions, by name. A name is a lowercase DNS label (a-z, 0-9, -; at most 63).',
      propertyNames: { pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' },
    }),
    links: z.array(LinkSchema).meta({ description: 'The directed links between regions.' }),
    defaults: DefaultsSchema.optional(),
    provenance: ProvenanceSchema.optional(),
  })
  .meta({
    title: 'geomesh topology',
    description: 'A geomesh mesh: its regions and the links between them.',
  });

/** A topology file as the user writes it (after `${ENV}` resolution). */
export type TopologyOptions = z.input<typeof TopologySchema>;
export type RegionOptions = z.input<typeof RegionSchema>;
export type LinkOptions = z.input<typeof LinkSchema>;
export type LinkTuningOptions = z.input<typeof LinkOptionsSchema>;
export type SelectionOptions = z.input<typeof SelectionSchema>;
export type TlsOptions = z.input<typeof TlsSchema>;
export type ProvenanceOptions = z.input<typeof ProvenanceSchema>;
