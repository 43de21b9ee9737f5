/**
 * The Apache Kafka jars the harness runs: one pinned version (switchable with GEOMESH_KAFKA_VERSION),
 * fetched from Maven Central by Maven into a project-local, git-ignored cache.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GeomeshError } from '../../base/index.ts';

const execFileAsync = promisify(execFile);

/** The Kafka version tests run against unless GEOMESH_KAFKA_VERSION says otherwise. */
export const DEFAULT_KAFKA_VERSION = '4.3.1';

/** The repository root (this file lives in test/harness/). */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

export function kafkaVersion(): string {
  return process.env['GEOMESH_KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
}

/** Folder holding every jar of one Kafka version. */
export function kafkaLibDir(version = kafkaVersion()): string {
  return join(PROJECT_ROOT, '.cache', 'kafka', version, 'libs');
}

/** True when the jars of `version` are cached completely. */
export function hasKafkaJars(version = kafkaVersion()): boolean {
  return existsSync(join(kafkaLibDir(version), '.complete'));
}

/**
 * Maven projects the harness fetches, each into its own folder of `.cache/kafka/VERSION/`: `libs` holds the
 * broker; `mirror-libs` holds MirrorMaker 2 (`connect-mirror`) and Kafka's tools (the producer and consumer
 * performance tools), which only the benchmarks run.
 */
const JAR_SETS = {
  broker: { folder: 'libs', pom: 'pom.xml', marker: 'kafka_', what: 'Apache Kafka' },
  mirror: {
    folder: 'mirror-libs',
    pom: 'mirror-pom.xml',
    marker: 'connect-mirror-',
    what: 'MirrorMaker 2 and the Kafka tools',
  },
} as const;
type JarSet = keyof typeof JAR_SETS;

/** Fetches under way in this process, by set and version: clusters started together share one Maven run. */
const fetching = new Map<string, Promise<string>>();

/**
 * Makes sure the broker jars of `version` are cached, fetching them with Maven when they are not.
 * Returns the classpath (a `dir/*` wildcard the JVM expands).
 */
export function ensureKafkaJars(
  version = kafkaVersion(),
  log: (line: string) => void = () => {},
): Promise<string> {
  return ensureJars('broker', version, log);
}

/** The same for MirrorMaker 2 (`connect-mirror`) and Kafka's tools of `version`. */
export function ensureMirrorJars(
  version = kafkaVersion(),
  log: (line: string) => void = () => {},
): Promise<string> {
  return ensureJars('mirror', version, log);
}

function ensureJars(set: JarSet, version: string, log: (line: string) => void): Promise<string> {
  const key = `${set}@${version}`;
  let pending = fetching.get(key);
  if (!pending) {
    pending = fetchJars(set, version, log).finally(() => fetching.delete(key));
    fetching.set(key, pending);
  }
  return pending;
}

async function fetchJars(set: JarSet, version: string, log: (line: string) => void): Promise<string> {
  const { folder, pom: pomFile, marker, what } = JAR_SETS[set];
  const dir = join(PROJECT_ROOT, '.cache', 'kafka', version, folder);
  if (!existsSync(join(dir, '.complete'))) {
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `GEOMESH_KAFKA_VERSION="${version}" is not a version like 4.3.1`,
      );
    }
    log(`fetching ${what} ${version} jars with Maven into ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pom = join(PROJECT_ROOT, 'test', 'harness', 'kafka', pomFile);
    try {
      await execFileAsync(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          pom,
          `-Dkafka.version=${version}`,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${dir}`,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (err) {
      const isMissing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new GeomeshError(
        isMissing ? 'GEOMESH_HARNESS_MISSING_DEPENDENCY' : 'GEOMESH_HARNESS_START_FAILED',
        isMissing
          ? 'Maven (mvn) is not installed: install it (apt-get install maven) so the harness can fetch Kafka jars'
          : `Maven could not fetch ${what} ${version}: ${String((err as { stdout?: string }).stdout ?? err).slice(-2000)}`,
        { cause: err },
      );
    }
    if (!readdirSync(dir).some((f) => f.startsWith(marker))) {
      throw new GeomeshError(
        'GEOMESH_HARNESS_START_FAILED',
        `Maven fetched no ${marker}*.jar for ${version} into ${dir}`,
      );
    }
    writeFileSync(join(dir, '.complete'), `${version}\n`);
  }
  return join(dir, '*');
}
