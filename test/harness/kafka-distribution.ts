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
 * Makes sure the jars of `version` are cached, fetching them with Maven when they are not.
 * Returns the classpath (a `dir/*` wildcard the JVM expands).
 */
/** Fetches under way in this process, by version: clusters started together share one Maven run. */
const fetching = new Map<string, Promise<string>>();

export function ensureKafkaJars(
  version = kafkaVersion(),
  log: (line: string) => void = () => {},
): Promise<string> {
  let pending = fetching.get(version);
  if (!pending) {
    pending = fetchKafkaJars(version, log).finally(() => fetching.delete(version));
    fetching.set(version, pending);
  }
  return pending;
}

async function fetchKafkaJars(version: string, log: (line: string) => void): Promise<string> {
  const dir = kafkaLibDir(version);
  if (!hasKafkaJars(version)) {
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      throw new GeomeshError(
        'GEOMESH_CONFIG_INVALID',
        `GEOMESH_KAFKA_VERSION="${version}" is not a version like 4.3.1`,
      );
    }
    log(`fetching Apache Kafka ${version} jars with Maven into ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pom = join(PROJECT_ROOT, 'test', 'harness', 'kafka', 'pom.xml');
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
          : `Maven could not fetch Apache Kafka ${version}: ${String((err as { stdout?: string }).stdout ?? err).slice(-2000)}`,
        { cause: err },
      );
    }
    if (!readdirSync(dir).some((f) => f.startsWith('kafka_'))) {
      throw new GeomeshError(
        'GEOMESH_HARNESS_START_FAILED',
        `Maven fetched no kafka_*.jar for ${version} into ${dir}`,
      );
    }
    writeFileSync(join(dir, '.complete'), `${version}\n`);
  }
  return join(dir, '*');
}
