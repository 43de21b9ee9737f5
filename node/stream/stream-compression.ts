/**
 * How the records of a stream batch are compressed (Peer.StreamRecords): zstd by default, gzip, or none,
 * all from Node's zlib (no native addon). Pure: buffers in, buffers out.
 */
import { constants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { GeomeshError } from '../../base/index.ts';

/** The compressions a stream may use, the default first. */
export const STREAM_COMPRESSIONS = Object.freeze(['zstd', 'gzip', 'none'] as const);

export type StreamCompression = (typeof STREAM_COMPRESSIONS)[number];

/** The compression a request names ("" is the default, zstd); undefined when it names none of them. */
export function streamCompressionOf(name: string): StreamCompression | undefined {
  if (name === '') return STREAM_COMPRESSIONS[0];
  return (STREAM_COMPRESSIONS as readonly string[]).includes(name) ? (name as StreamCompression) : undefined;
}

/** Compresses a batch's encoded records. zstd level 3 (zstd's own default) and gzip level 6 (zlib's). */
export function compressRecords(encoded: Buffer, compression: StreamCompression): Buffer {
  switch (compression) {
    case 'zstd':
      return zstdCompressSync(encoded, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
    case 'gzip':
      return gzipSync(encoded);
    case 'none':
      return encoded;
  }
}

/**
 * Decompresses a batch's records, refusing to produce more than `maxBytes` (a batch says its size before
 * compression; a lying or broken peer cannot make this node allocate without bound).
 */
export function decompressRecords(compressed: Buffer, compression: string, maxBytes: number): Buffer {
  const known = compression === '' ? undefined : streamCompressionOf(compression);
  try {
    switch (known) {
      case 'zstd':
        return zstdDecompressSync(compressed, { maxOutputLength: maxBytes });
      case 'gzip':
        return gunzipSync(compressed, { maxOutputLength: maxBytes });
      case 'none':
        if (compressed.length > maxBytes) throw new RangeError(`${compressed.length} bytes > ${maxBytes}`);
        return compressed;
      case undefined:
        break;
    }
  } catch (err) {
    throw new GeomeshError(
      'GEOMESH_RPC_INTERNAL',
      `a stream batch's records do not decompress as ${compression} within ${maxBytes} bytes: ` +
        `${(err as Error).message} (is the peer a compatible geomesh version?)`,
      { cause: err, details: { compression } },
    );
  }
  throw new GeomeshError(
    'GEOMESH_RPC_INTERNAL',
    `a stream batch says its records are compressed as ${JSON.stringify(compression)}; ` +
      `expected one of ${STREAM_COMPRESSIONS.join(', ')} (is the peer a newer geomesh version?)`,
    { details: { compression } },
  );
}
