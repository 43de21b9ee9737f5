/**
 * Work sharing with the data path on worker threads (docs/work-sharing.md, "Worker threads with work
 * sharing"): instances of one region's node, each on 2 worker threads, share its 12 target partitions on
 * real Kafka clusters and a real etcd, with `geomesh node` processes and writers in the source region all
 * along. Each instance owns its share (etcd); its workers split that share by the worker rule.
 *
 * - two instances split the 12 partitions 6/6 and both write;
 * - a third joining gets its share (4/4/4), 2 from each (sticky), without duplicates;
 * - kill -STOP of an instance for twice the TTL, then -CONT: its workers write nothing after the lease could
 *   have expired (the deadline they read before every write has passed), it drops its partitions, and takes
 *   a share again;
 *
 * and at the end every record of the source is in the target exactly once. All of it twice: with the lease
 * alone, and with `--fence-at-broker` too (each worker fences the partitions it takes with a transactional
 * producer of its own). With GEOMESH_TEST_LOG_DIR set,
 * each instance's log is written there (`<mesh>-w1.log`…) for a failure's post-mortem.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SharedRegion } from '../support/shared-region.ts';
import { waitFor } from '../support/polling.ts';

const TTL_MS = 4_000;

for (const isFencedAtBroker of [false, true])
  describe(`work sharing with 2 worker threads per instance${isFencedAtBroker ? ', fenced at the broker' : ''}`, () => {
    const ARGS = ['--workers', '2', ...(isFencedAtBroker ? ['--fence-at-broker'] : [])];
    const region = new SharedRegion({
      mesh: isFencedAtBroker ? 'sharing-workers-fenced' : 'sharing-workers',
      leaseTtlMs: TTL_MS,
    });

    before(() => region.start());
    after(() => region.stop());

    it('two instances on 2 workers each split 12 partitions 6/6 and both write', async () => {
      await region.startInstance('w1', ARGS);
      await region.startInstance('w2', ARGS);
      const balancedAfter = await region.waitOwned(['w1', 'w2'], [6, 6], 30_000);
      console.log(`w1 and w2 own 6/6 (${balancedAfter} ms after both were ready)`);
      await waitFor(async () => (await region.replicatedBy(['w1', 'w2'])).every((n) => n > 0), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'w1 and w2 both writing',
      });
    });

    it('a third instance joining gets its share (4/4/4): 4 partitions move, no duplicates', async () => {
      const releasedBefore = await region.released(['w1', 'w2']);
      await region.startInstance('w3', ARGS);
      const joinedAfter = await region.waitOwned(['w1', 'w2', 'w3'], [4, 4, 4], 30_000);
      const moved = (await region.released(['w1', 'w2'])) - releasedBefore;
      console.log(`w3 joined: 4/4/4 after ${joinedAfter} ms; ${moved} partitions moved`);
      assert.equal(moved, 4, 'sticky: w1 and w2 hand over 2 each and keep the rest');
      await waitFor(async () => (await region.replicatedBy(['w3']))[0]! > 0, {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'w3 writing its share',
      });
      const audit = await region.audit();
      assert.equal(audit.duplicates, 0, `${audit.duplicates} duplicates across the handovers`);
    });

    it('kill -STOP for twice the TTL, then -CONT: its workers do not write after it lost ownership', async () => {
      const frozen = region.instance('w3');
      const logFrom = frozen.log.length;
      const fencedBefore = await region.metric('w3', 'geomesh_writes_fenced_total');
      frozen.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      await region.waitOwned(['w1', 'w2'], [6, 6], 60_000);
      console.log(`w3 frozen: w1 and w2 own 6/6 after ${Date.now() - stoppedAt} ms`);
      await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 2 * TTL_MS - Date.now())));
      frozen.child.kill('SIGCONT');
      await region.waitOwned(['w1', 'w2', 'w3'], [4, 4, 4], 30_000);
      const logAfter = frozen.log.slice(logFrom).join('\n');
      const fenced = (await region.metric('w3', 'geomesh_writes_fenced_total')) - fencedBefore;
      console.log(`w3 thawed: ${fenced} writes refused by fencing; back to 4/4/4`);
      assert.match(
        logAfter,
        /partitions dropped \(ownership lost\)|work lease lost/,
        'w3 noticed it lost ownership',
      );
      const audit = await region.audit();
      assert.equal(audit.duplicates, 0, `${audit.duplicates} duplicates: a zombie write landed twice`);
    });

    it('every record of the source is in the target exactly once', async () => {
      const written = await region.stopWriting();
      await waitFor(async () => (await region.audit()).total >= written, {
        timeoutMs: 120_000,
        intervalMs: 1_000,
        what: `west holding all ${written} records`,
      });
      const final = await region.audit();
      const lost = written - new Set(final.byOrigin.get('east')).size;
      console.log(
        `final: ${final.total} records in west of ${written} written in east, ${final.duplicates} duplicates`,
      );
      assert.equal(final.duplicates, 0, `${final.duplicates} duplicates`);
      assert.equal(lost, 0, `${lost} records lost`);
      assert.equal(final.total, written);
    });
  });
