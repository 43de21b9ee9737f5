/**
 * Formatted KRaft storage without a JVM per broker. `kafka-storage format` writes two files into an empty log
 * directory: `bootstrap.checkpoint` (the metadata version, the feature levels and any SCRAM users: nothing of
 * the cluster's identity) and `meta.properties` (cluster id, node id, directory id). The first format of a
 * machine, per Kafka version and SCRAM users, is kept as a template; every later broker gets a copy of its
 * checkpoint and a `meta.properties` of its own, with a fresh cluster id and directory id. That saves a JVM
 * start (about 1.5 s of CPU) per broker; a suite starts some fifty.
 *
 * GEOMESH_KAFKA_STORAGE_TEMPLATE=off formats every broker with Kafka's tool, as a user would.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The files `kafka-storage format` leaves in a log directory. */
const CHECKPOINT = 'bootstrap.checkpoint';
const META = 'meta.properties';

export interface StorageFormat {
  /** The cached Kafka distribution's folder (`.cache/kafka/<version>`), where templates are kept. */
  readonly kafkaDir: string;
  /** The Kafka jars' classpath. */
  readonly classpath: string;
  /** SCRAM users to create at format time (`user → password`), as `--add-scram` would. */
  readonly scramUsers: Readonly<Record<string, string>>;
}

/** A Kafka UUID as its tools print it (base64url of 16 random bytes; none starts with '-'). */
export function randomKafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** `--add-scram` arguments for `users`, both SCRAM mechanisms each. */
function scramArgs(users: Readonly<Record<string, string>>): string[] {
  return Object.entries(users)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([user, password]) => [
      '--add-scram',
      `SCRAM-SHA-256=[name=${user},password=${password}]`,
      '--add-scram',
      `SCRAM-SHA-512=[name=${user},password=${password}]`,
    ]);
}

/** Runs Kafka's own `kafka-storage format` on `dataDir` (node 1, one static voter). */
export async function formatWithKafkaTool(
  format: StorageFormat,
  dataDir: string,
  clusterId: string,
  configFile: string,
): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  await execFileAsync('java', [
    '-Xmx128m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Dlog4j2.level=WARN',
    '-cp',
    format.classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    configFile,
    ...scramArgs(format.scramUsers),
  ]);
}

/** The template of `format`, made with Kafka's tool the first time; returns its folder. */
async function template(format: StorageFormat): Promise<string> {
  const key = createHash('sha256')
    .update(`${format.classpath}\0${JSON.stringify(scramArgs(format.scramUsers))}`)
    .digest('hex')
    .slice(0, 16);
  const root = join(format.kafkaDir, 'storage-templates');
  const dir = join(root, key);
  if (existsSync(join(dir, CHECKPOINT))) return dir;
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(join(root, `.${key}-`));
  try {
    const config = join(work, 'server.properties');
    writeFileSync(
      config,
      [
        'process.roles=broker,controller',
        'node.id=1',
        'controller.quorum.voters=1@127.0.0.1:9093',
        'controller.listener.names=CONTROLLER',
        'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
        `log.dirs=${join(work, 'data')}`,
        '',
      ].join('\n'),
    );
    await formatWithKafkaTool(format, join(work, 'data'), randomKafkaUuid(), config);
    try {
      renameSync(join(work, 'data'), dir);
    } catch (err) {
      // Another broker of this machine made the same template meanwhile: theirs is as good.
      if (!existsSync(join(dir, CHECKPOINT))) throw err;
    }
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Leaves `dataDir` as `kafka-storage format -t <clusterId>` would for node 1 with a static voter: the template's
 * bootstrap checkpoint and a `meta.properties` of this cluster's own.
 */
export async function formatStorage(
  format: StorageFormat,
  dataDir: string,
  clusterId: string,
  configFile: string,
): Promise<void> {
  if (process.env['GEOMESH_KAFKA_STORAGE_TEMPLATE'] === 'off') {
    await formatWithKafkaTool(format, dataDir, clusterId, configFile);
    return;
  }
  const from = await template(format);
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(join(from, CHECKPOINT), join(dataDir, CHECKPOINT));
  writeFileSync(
    join(dataDir, META),
    ['#', 'node.id=1', `directory.id=${randomKafkaUuid()}`, 'version=1', `cluster.id=${clusterId}`, ''].join(
      '\n',
    ),
  );
}
