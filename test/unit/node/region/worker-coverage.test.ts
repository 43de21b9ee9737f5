/**
 * The coverage audit of a link on worker threads (node/region/worker-coverage.ts): each partition judged once,
 * by the consumer of the worker that owns it; the others' partitions, paused in a consumer by design, are not
 * findings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditWorkerCoverage, type WorkerCoverageInput } from '../../../../node/region/worker-coverage.ts';
import { workerOf, type LinkReadingSnapshot } from '../../../../node/workers/index.ts';

const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);
const mine = (worker: number) => ALL.filter((p) => workerOf('t', p, 2) === worker);
const theirs = (worker: number) => ALL.filter((p) => workerOf('t', p, 2) !== worker);

/** A worker's consumer as it reads by design: every partition assigned (its own group), the others paused. */
function part(worker: number, change: Partial<LinkReadingSnapshot> = {}): LinkReadingSnapshot {
  return {
    subscribed: ['t'],
    isJoined: true,
    assigned: [['t', ALL]],
    paused: [['t', theirs(worker)]],
    heldBack: [],
    ...change,
  };
}

function audit(change: Partial<WorkerCoverageInput> = {}) {
  return auditWorkerCoverage({
    selected: ['t'],
    sourcePartitions: new Map([['t', PARTITIONS]]),
    targetPartitions: new Map([['t', PARTITIONS]]),
    workers: 2,
    parts: [part(0), part(1)],
    isRunning: true,
    halted: new Set(),
    ...change,
  });
}

const found = (r: ReturnType<typeof audit>) => r.uncovered.map((u) => `${u.partition}:${u.reason}`);

describe('auditWorkerCoverage', () => {
  it('both workers reading their own share: every partition covered', () => {
    assert.ok(mine(0).length > 0 && mine(1).length > 0, 'the rule gives each worker partitions');
    const result = audit();
    assert.equal(result.partitions, PARTITIONS);
    assert.deepEqual(result.uncovered, []);
  });

  it('a worker whose consumer left its group: its partitions, and only them, are not read', () => {
    const result = audit({ parts: [part(0), part(1, { isJoined: false })] });
    assert.deepEqual(
      found(result),
      mine(1).map((p) => `${p}:not-joined`),
    );
  });

  it("a worker's own partition paused or unassigned is a finding; another worker's paused one is not", () => {
    const [own, other] = [mine(0)[0]!, mine(0)[1]!];
    const result = audit({
      parts: [
        part(0, {
          paused: [['t', [...theirs(0), own]]],
          assigned: [['t', ALL.filter((p) => p !== other)]],
        }),
        part(1),
      ],
    });
    assert.deepEqual(found(result), [`${own}:paused`, `${other}:unassigned`].sort());
  });

  it('a halted partition, or one held back by a key mismatch, is reported once, as halted', () => {
    const [halted, held] = [mine(0)[0]!, mine(1)[0]!];
    const result = audit({
      halted: new Set([`t/${halted}`]),
      parts: [part(0), part(1, { heldBack: [`t/${held}`] })],
    });
    assert.deepEqual(found(result), [`${halted}:halted`, `${held}:halted`].sort());
  });

  it('no report from a worker yet, or the link not running: its partitions are not read (yet)', () => {
    assert.deepEqual(
      found(audit({ parts: [part(0), undefined] })),
      mine(1).map((p) => `${p}:not-subscribed`),
    );
    assert.deepEqual(
      found(audit({ isRunning: false })),
      ALL.map((p) => `${p}:not-subscribed`),
    );
  });

  it('work sharing: a partition this instance does not own is read elsewhere, or nobody owns it', () => {
    const away = mine(0)[0]!;
    const unowned = mine(1)[0]!;
    const result = audit({
      instanceOwns: (_t, p) => p !== away && p !== unowned,
      ownerElsewhere: (_t, p) => (p === away ? 'instance-2' : undefined),
    });
    assert.deepEqual(found(result), [`${unowned}:unowned`]);
  });
});
