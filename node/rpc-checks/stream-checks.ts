/**
 * What Peer.StreamRecords accepts (the serving node's side of the record stream): the requesting region,
 * a topic the link from the serving region to it carries, each partition once with a start offset, a
 * compression the stream knows and a batch bound in range. `checkStreamRecordsRequest` throws the first
 * problem (INVALID_ARGUMENT, NOT_FOUND for a region the mesh does not have) before anything is read, so a
 * refused request changes nothing. Pure: no I/O.
 */
import type { StreamRecordsRequest } from '../rpc/index.ts';
import { STREAM_COMPRESSIONS, STREAM_DEFAULTS, streamCompressionOf } from '../stream/index.ts';
import {
  invalid,
  requireAtMost,
  requirePartition,
  requireRegion,
  requireTopic,
  RPC_LIMITS,
  shown,
} from './field-checks.ts';

/** The mesh as the serving node sees it, for record streams. */
export interface StreamScope {
  /** The serving node's region. */
  region: string;
  /** Every region of the mesh. */
  regions: readonly string[];
  /**
   * The link from the serving region to `to` as the topology declares it: whether it carries `topic`
   * (internal topics never); undefined when there is no such link.
   */
  linkTo(to: string): { carriesTopic(topic: string): boolean } | undefined;
}

/** Throws the first problem of a StreamRecords request (GEOMESH_RPC_INVALID_ARGUMENT or NOT_FOUND). */
export function checkStreamRecordsRequest(request: StreamRecordsRequest, scope: StreamScope): void {
  requireRegion(request.region, 'region', scope.regions);
  if (request.region === scope.region)
    throw invalid(
      'region',
      `${shown(request.region)} is the serving node's own region: a link never points at its own region`,
    );
  const link = scope.linkTo(request.region);
  if (!link)
    throw invalid(
      'region',
      `the topology has no link ${scope.region} → ${request.region}: ${request.region} needs no records from ${scope.region} ` +
        '(are both nodes running the same topology version?)',
    );
  requireTopic(request.topic, 'topic');
  if (!link.carriesTopic(request.topic))
    throw invalid(
      'topic',
      `${shown(request.topic)} is not a topic the link ${scope.region} → ${request.region} carries ` +
        "(internal topics never are; check the link's topics selection)",
    );
  if (request.partitions.length === 0)
    throw invalid('partitions', 'names no partition: ask for at least one');
  requireAtMost(request.partitions, RPC_LIMITS.maxPartitionsPerRequest, 'partitions', 'partitions');
  const seen = new Set<number>();
  request.partitions.forEach((p, i) => {
    requirePartition(p.partition, `partitions[${i}].partition`);
    if (seen.has(p.partition))
      throw invalid(`partitions[${i}].partition`, `partition ${p.partition} is asked for twice`);
    seen.add(p.partition);
    if (!Number.isSafeInteger(p.fromOffset) || p.fromOffset < 0)
      throw invalid(
        `partitions[${i}].fromOffset`,
        `${p.fromOffset} is not an offset (0 up to ${Number.MAX_SAFE_INTEGER})`,
      );
  });
  if (streamCompressionOf(request.compression) === undefined)
    throw invalid(
      'compression',
      `${shown(request.compression)} is not a stream compression; use one of ${STREAM_COMPRESSIONS.join(', ')} ("" for ${STREAM_COMPRESSIONS[0]})`,
    );
  const { minBatchBytes, maxBatchBytesLimit } = STREAM_DEFAULTS;
  if (
    request.maxBatchBytes !== 0 &&
    (!Number.isInteger(request.maxBatchBytes) ||
      request.maxBatchBytes < minBatchBytes ||
      request.maxBatchBytes > maxBatchBytesLimit)
  )
    throw invalid(
      'maxBatchBytes',
      `${request.maxBatchBytes} is out of range: 0 for the default, or ${minBatchBytes} to ${maxBatchBytesLimit} bytes`,
    );
}
