import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStreamRecordsRequest, type StreamScope } from '../../../../node/rpc-checks/index.ts';
import type { StreamRecordsRequest } from '../../../../node/rpc/index.ts';

/** Served by a; links a → b (topics orders-*), none a → c. */
const scope: StreamScope = {
  region: 'a',
  regions: ['a', 'b', 'c'],
  linkTo: (to) => (to === 'b' ? { carriesTopic: (topic) => topic.startsWith('orders-') } : undefined),
};

const good: StreamRecordsRequest = {
  region: 'b',
  topic: 'orders-eu',
  partitions: [
    { partition: 0, fromOffset: 0 },
    { partition: 3, fromOffset: 2 ** 40 },
  ],
  compression: '',
  maxBatchBytes: 0,
};

function refused(change: Partial<StreamRecordsRequest>, code: string, message: RegExp): void {
  assert.throws(
    () => checkStreamRecordsRequest({ ...good, ...change }, scope),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('StreamRecords request checks', () => {
  it('accepts a well-formed request, each compression and a batch bound in range', () => {
    checkStreamRecordsRequest(good, scope);
    for (const compression of ['zstd', 'gzip', 'none'])
      checkStreamRecordsRequest({ ...good, compression, maxBatchBytes: 65_536 }, scope);
  });

  it('refuses each bad field with what, where and how to fix', () => {
    const invalid = 'GEOMESH_RPC_INVALID_ARGUMENT';
    refused({ region: '' }, invalid, /^region: names no region/);
    refused({ region: 'zz' }, 'GEOMESH_RPC_NOT_FOUND', /unknown region "zz"; the mesh has a, b, c/);
    refused({ region: 'a' }, invalid, /own region/);
    refused({ region: 'c' }, invalid, /no link a → c/);
    refused({ topic: 'bad topic' }, invalid, /^topic: "bad topic" is not a Kafka topic name/);
    refused({ topic: 'clicks' }, invalid, /^topic: "clicks" is not a topic the link a → b carries/);
    refused({ partitions: [] }, invalid, /^partitions: names no partition/);
    refused(
      { partitions: [{ partition: -1, fromOffset: 0 }] },
      invalid,
      /^partitions\[0\]\.partition: -1 is not a partition/,
    );
    refused(
      {
        partitions: [
          { partition: 1, fromOffset: 0 },
          { partition: 1, fromOffset: 5 },
        ],
      },
      invalid,
      /^partitions\[1\]\.partition: partition 1 is asked for twice/,
    );
    refused(
      { partitions: [{ partition: 1, fromOffset: -1 }] },
      invalid,
      /^partitions\[0\]\.fromOffset: -1 is not an offset/,
    );
    refused(
      { compression: 'lz4' },
      invalid,
      /^compression: "lz4" is not a stream compression; use one of zstd, gzip, none/,
    );
    refused(
      { maxBatchBytes: 10 },
      invalid,
      /^maxBatchBytes: 10 is out of range: 0 for the default, or 1024 to 8388608/,
    );
    refused({ maxBatchBytes: 2 ** 30 }, invalid, /out of range/);
  });
});
