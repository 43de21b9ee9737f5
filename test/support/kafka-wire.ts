/**
 * Small readers of Kafka's wire and disk formats for tests that must see what a broker really did,
 * below what any client library reports: the broker's ApiVersions, and record batch headers on disk.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Asks a broker for its ApiVersions (request v0, which every Kafka answers in the v0 layout). */
export async function brokerApiVersions(hostPort: string): Promise<ApiVersionRange[]> {
  const [host, port] = hostPort.split(':') as [string, string];
  const clientId = Buffer.from('geomesh-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(1, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('ApiVersions timed out')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        socket.end();
        resolve(all.subarray(4, 4 + all.readInt32BE(0)));
      }
    });
  });
  const errorCode = response.readInt16BE(4);
  if (errorCode !== 0) throw new Error(`ApiVersions answered error code ${errorCode}`);
  const count = response.readInt32BE(6);
  const ranges: ApiVersionRange[] = [];
  for (let i = 0, at = 10; i < count; i++, at += 6) {
    ranges.push({
      apiKey: response.readInt16BE(at),
      minVersion: response.readInt16BE(at + 2),
      maxVersion: response.readInt16BE(at + 4),
    });
  }
  return ranges;
}

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface DiskBatch {
  baseOffset: bigint;
  magic: number;
  compression: (typeof COMPRESSION_NAMES)[number];
  isTransactional: boolean;
  isControl: boolean;
  producerId: bigint;
  recordCount: number;
}

/**
 * Reads the record batch headers of every segment in a partition folder (the v2 batch layout:
 * baseOffset int64, length int32, leaderEpoch int32, magic int8, crc int32, attributes int16,
 * lastOffsetDelta int32, timestamps 2×int64, producerId int64, epoch int16, baseSequence int32, count int32).
 */
export function readDiskBatches(partitionDir: string): DiskBatch[] {
  const batches: DiskBatch[] = [];
  const segments = readdirSync(partitionDir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  for (const segment of segments) {
    const bytes = readFileSync(join(partitionDir, segment));
    for (let at = 0; at + 61 <= bytes.length;) {
      const length = bytes.readInt32BE(at + 8);
      const attributes = bytes.readInt16BE(at + 21);
      batches.push({
        baseOffset: bytes.readBigInt64BE(at),
        magic: bytes.readInt8(at + 16),
        compression: COMPRESSION_NAMES[attributes & 0x07] ?? 'none',
        isTransactional: (attributes & 0x10) !== 0,
        isControl: (attributes & 0x20) !== 0,
        producerId: bytes.readBigInt64BE(at + 43),
        recordCount: bytes.readInt32BE(at + 57),
      });
      at += 12 + length;
    }
  }
  return batches;
}
