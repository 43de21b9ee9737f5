/**
 * A class-data-sharing archive of the broker's classes (the JDK's dynamic AppCDS): a JVM started with it maps
 * the classes it loaded last time from one file instead of reading and verifying them from the jars, which
 * cuts a broker start's CPU by about a quarter. A suite starts some fifty brokers.
 *
 * The first broker of a machine (per JDK, Kafka version and classpath) records the archive as it exits after
 * a clean stop; every later one uses it. Only one broker records at a time (a lock file), and a recording cut
 * short (kill -9, a stop past its grace) is thrown away. A JVM that finds an archive it cannot use (another
 * JDK build) says so on its log and starts without it; nothing depends on the archive but the speed.
 * GEOMESH_KAFKA_CLASS_ARCHIVE=off turns it off.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** A lock older than this was left by a process that died while it recorded. */
const STALE_LOCK_MS = 10 * 60_000;

export interface ClassArchive {
  /** JVM flags: use the archive, record it, or nothing. */
  readonly flags: readonly string[];
  /** Call once the JVM has exited: keeps a recording when the JVM exited by itself (`code` not null). */
  finish(code: number | null): void;
}

const NONE: ClassArchive = { flags: [], finish: () => undefined };

/** The `java` the harness runs (the first on PATH), resolved through its links. */
function javaBinary(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/**
 * The archive for JVMs run with `classpath` from the Kafka distribution in `kafkaDir`; `role` keeps the broker's
 * archive apart from other programs' (each records the classes it loads).
 */
export function classArchive(kafkaDir: string, classpath: string, role: string): ClassArchive {
  if (process.env['GEOMESH_KAFKA_CLASS_ARCHIVE'] === 'off') return NONE;
  const java = javaBinary();
  if (!java) return NONE;
  const key = createHash('sha256')
    .update(`${java}\0${statSync(java).mtimeMs}\0${classpath}\0${statSync(dirname(classpath)).mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(kafkaDir, 'class-archives');
  const archive = join(dir, `${role}-${key}.jsa`);
  if (existsSync(archive)) return { flags: [`-XX:SharedArchiveFile=${archive}`], finish: () => undefined };
  mkdirSync(dir, { recursive: true });
  const lock = `${archive}.lock`;
  if (!takeLock(lock)) return NONE;
  // Recordings of recorders that died before they finished.
  for (const name of readdirSync(dir))
    if (name.startsWith(`${role}-${key}.jsa.`) && name.endsWith('.tmp'))
      rmSync(join(dir, name), { force: true });
  const recording = `${archive}.${process.pid}.${Date.now()}.tmp`;
  let finished = false;
  return {
    flags: [`-XX:ArchiveClassesAtExit=${recording}`],
    finish(code) {
      if (finished) return;
      finished = true;
      try {
        if (code !== null && existsSync(recording) && statSync(recording).size > 0)
          renameSync(recording, archive);
      } finally {
        rmSync(recording, { force: true });
        rmSync(lock, { force: true });
      }
    },
  };
}

/** Creates `lock` if nobody holds it (a lock left by a dead recorder is taken over). */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(lock, 'wx'));
      return true;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return false;
        rmSync(lock, { force: true });
      } catch {
        return false;
      }
    }
  }
  return false;
}
