import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { classArchive } from '../../harness/jvm-class-archive.ts';

describe('the brokers’ class archive', () => {
  const kafkaDir = mkdtempSync(join(tmpdir(), 'geomesh-class-archive-'));
  const libs = join(kafkaDir, 'libs');
  mkdirSync(libs);
  const classpath = `${libs}/*`;
  const archives = join(kafkaDir, 'class-archives');
  after(() => rmSync(kafkaDir, { recursive: true, force: true }));

  /** What a JVM run with `-XX:ArchiveClassesAtExit=F` leaves when it exits by itself. */
  function recordedBy(flags: readonly string[]): string {
    const flag = flags.find((f) => f.startsWith('-XX:ArchiveClassesAtExit='));
    assert.ok(flag, `records: ${flags.join(' ')}`);
    const file = flag.slice('-XX:ArchiveClassesAtExit='.length);
    writeFileSync(file, 'classes');
    return file;
  }

  it('one recorder at a time; a recording cut short (kill -9) is thrown away and the lock released', () => {
    const first = classArchive(kafkaDir, classpath, 'broker');
    recordedBy(first.flags);
    assert.deepEqual(
      classArchive(kafkaDir, classpath, 'broker').flags,
      [],
      'a second broker waits for no lock',
    );
    first.finish(null);
    assert.deepEqual(readdirSync(archives), [], 'nothing kept, lock gone');
  });

  it('a clean exit keeps the archive, and every later JVM uses it', () => {
    const recorder = classArchive(kafkaDir, classpath, 'broker');
    recordedBy(recorder.flags);
    recorder.finish(143);
    const [archive, ...rest] = readdirSync(archives);
    assert.deepEqual(rest, []);
    assert.match(archive!, /^broker-[0-9a-f]{16}\.jsa$/);
    assert.deepEqual(classArchive(kafkaDir, classpath, 'broker').flags, [
      `-XX:SharedArchiveFile=${join(archives, archive!)}`,
    ]);
    assert.ok(
      classArchive(kafkaDir, classpath, 'tools').flags[0]!.startsWith('-XX:ArchiveClassesAtExit='),
      'another program records its own',
    );
  });

  it('GEOMESH_KAFKA_CLASS_ARCHIVE=off: no flags at all', () => {
    process.env['GEOMESH_KAFKA_CLASS_ARCHIVE'] = 'off';
    try {
      assert.deepEqual(classArchive(kafkaDir, classpath, 'broker').flags, []);
    } finally {
      delete process.env['GEOMESH_KAFKA_CLASS_ARCHIVE'];
    }
  });
});
