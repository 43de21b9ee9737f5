/**
 * Shared pieces of the RPC tests: fake handlers that record what they were called with, a server on a free
 * loopback port stopped after the test, a logger whose lines the test can read, and throwaway certificates
 * made by `openssl` (ECDSA P-256: quick).
 */
import { readFileSync, rmSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { createLogger, type Logger } from '../../../../node/log/index.ts';
import {
  RpcServer,
  type OperatorHandlers,
  type PeerHandlers,
  type RpcCallContext,
  type RpcServerOptions,
} from '../../../../node/rpc/index.ts';
import { testLogger } from '../../../support/test-logger.ts';
import { TestPki as Pki } from '../../../support/test-pki.ts';

/** Above 2^32 and below 2^53: proves int64 fields are not truncated to 32 bits. */
export const BIG = 2 ** 40 + 12_345;

/** A handler call as the fake saw it. */
export interface SeenCall {
  method: string;
  request: unknown;
  context: RpcCallContext;
}

/** Handlers that answer from the request (so a test can check every field) and record each call. */
export function fakeHandlers(overrides: Partial<OperatorHandlers & PeerHandlers> = {}): {
  operator: OperatorHandlers;
  peer: PeerHandlers;
  calls: SeenCall[];
} {
  const calls: SeenCall[] = [];
  const seen = (method: string, request: unknown, context: RpcCallContext) =>
    calls.push({ method, request, context });
  const operator: OperatorHandlers = {
    translateOffsets: async (request, context) => {
      seen('translateOffsets', request, context);
      if (overrides.translateOffsets) return overrides.translateOffsets(request, context);
      return {
        group: request.group,
        fromRegion: request.fromRegion,
        toRegion: request.toRegion,
        source: 'checkpoint',
        frontierTimeMs: BIG + 1,
        partitions: request.topics.map((topic, i) => ({
          topic,
          partition: i,
          sourceOffset: BIG + 2,
          targetOffset: BIG + 3,
          frontier: [
            { region: request.fromRegion, offset: BIG + 4 },
            { region: 'ap-south', offset: -1 },
          ],
          alreadySeen: 7,
          targetLogEnd: BIG + 5,
          notReplicated: [{ region: request.fromRegion, records: BIG + 10 }],
          notReplicatedCounted: true,
        })),
      };
    },
    failover: async (request, context) => {
      seen('failover', request, context);
      if (overrides.failover) return overrides.failover(request, context);
      return {
        groups: request.groups.map((group, i) => ({
          group,
          outcome: request.dryRun ? 'dry-run' : i === 0 ? 'committed' : 'refused',
          reason: i === 0 ? '' : 'group has active members',
          translation:
            i === 0
              ? {
                  group,
                  fromRegion: request.fromRegion,
                  toRegion: request.toRegion,
                  source: 'live',
                  frontierTimeMs: BIG + 20,
                  partitions: [
                    {
                      topic: 't',
                      partition: 0,
                      sourceOffset: BIG + 21,
                      targetOffset: BIG + 22,
                      frontier: [{ region: request.fromRegion, offset: BIG + 23 }],
                      alreadySeen: 1,
                      targetLogEnd: BIG + 24,
                      notReplicated: [{ region: request.fromRegion, records: 3 }],
                      notReplicatedCounted: true,
                    },
                  ],
                  sourceActiveMembers: 2,
                }
              : undefined,
          committedEarlier: i === 0 && !request.dryRun,
        })),
        operation: request.dryRun ? '' : '20260101T000000Z-0a0b0c0d',
        resumed: !request.dryRun,
        regionState: request.dryRun
          ? null
          : {
              region: request.failback === '' ? request.fromRegion : request.toRegion,
              state: request.failback === '' ? 'failed-over' : 'active',
              toRegion: request.failback === '' ? request.toRegion : '',
              groups: request.failback === '' ? [...request.groups].sort() : [],
              since: '2026-01-01T00:00:00.000Z',
              operation: 'op-1',
            },
        regionStateError: request.failback === 'finish' ? 'etcd did not answer' : '',
      };
    },
    getStatus: async (request, context) => {
      seen('getStatus', request, context);
      if (overrides.getStatus) return overrides.getStatus(request, context);
      return {
        node: {
          mesh: 'orders',
          region: 'eu-west',
          instance: 'node-1',
          state: 'running',
          version: '0.1.0',
          startedAtMs: BIG + 10,
          reportedAtMs: BIG + 11,
          grpcAddress: '127.0.0.1:7100',
          httpAddress: '127.0.0.1:9464',
          registration: 'registered',
          links: [
            {
              fromRegion: 'us-east',
              toRegion: 'eu-west',
              state: 'running',
              lagRecords: BIG + 12,
              recordsPerSecond: 1234.5,
              recordsWritten: BIG + 13,
              halted: [{ topic: 'orders', partition: 3, reason: 'record too large' }],
              unreplicated: [{ topic: 'orders', partition: 5, reason: 'unassigned', sinceUnixMs: BIG + 7 }],
              path: 'stream',
              pathSwitches: 3,
              wanBytes: BIG + 15,
              writtenBytes: BIG + 16,
              wanBytesPerWrittenByte: 0.25,
            },
          ],
          lastCheckpointAgeMs: -1,
          indexRuns: 42,
          peers: [
            {
              region: 'us-east',
              address: '10.0.0.7:7100',
              addressSource: 'etcd',
              isUp: true,
              roundTripMs: 1.25,
              lastAnswerAgeMs: BIG + 14,
              error: '',
              instance: 'node-2',
              version: '0.1.0',
              nodeState: 'running',
              links: [
                {
                  fromRegion: 'eu-west',
                  state: 'running',
                  lagRecords: BIG + 15,
                  recordsPerSecond: 99.5,
                  haltedPartitions: 2,
                },
              ],
            },
          ],
          workSharing: null,
          provenance: {
            currentKeyId: '1ff09dad29019f7c',
            acceptedKeyIds: ['1ff09dad29019f7c', '48caed08c12c85fa'],
            peers: [
              {
                region: 'us-east',
                currentKeyId: '48caed08c12c85fa',
                acceptedKeyIds: ['48caed08c12c85fa'],
                source: 'heartbeat',
                mismatch: 'eu-west tags with key 1ff09dad29019f7c, which us-east does not hold',
              },
            ],
          },
        },
      };
    },
    getFailoverProgress: async (request, context) => {
      seen('getFailoverProgress', request, context);
      if (overrides.getFailoverProgress) return overrides.getFailoverProgress(request, context);
      return {
        progressId: request.progressId,
        phase: 'done',
        total: 2,
        translated: 2,
        committed: 1,
        refused: 1,
      };
    },
  };
  const peer: PeerHandlers = {
    listGroups: async (request, context) => {
      seen('listGroups', request, context);
      if (overrides.listGroups) return overrides.listGroups(request, context);
      return { region: 'eu-west', groups: ['audit', 'billing'] };
    },
    getFrontiers: async (request, context) => {
      seen('getFrontiers', request, context);
      if (overrides.getFrontiers) return overrides.getFrontiers(request, context);
      return {
        region: 'eu-west',
        computedAtMs: BIG + 6,
        partitions: request.topics.map((topic) => ({
          topic,
          partition: 2,
          committedOffset: BIG + 7,
          frontier: [{ region: 'us-east', offset: BIG + 8 }],
          unconsumed: [{ region: 'us-east', fromOffset: BIG + 9, toOffset: BIG + 10, records: 2 }],
          unconsumedCounted: true,
        })),
        activeMembers: 3,
        activeMembersKnown: true,
      };
    },
    seek: async (request, context) => {
      seen('seek', request, context);
      if (overrides.seek) return overrides.seek(request, context);
      return {
        region: 'eu-west',
        partitions: request.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          offset: p.committedOffset + 1,
          alreadySeen: p.frontier.length,
          logEnd: BIG + 9,
          missing: (p.unconsumed ?? []).map((u) => ({ region: u.region, records: u.records - 1 })),
          missingCounted: p.unconsumedCounted === true,
        })),
      };
    },
    pushCheckpoints: async (request, context) => {
      seen('pushCheckpoints', request, context);
      if (overrides.pushCheckpoints) return overrides.pushCheckpoints(request, context);
      return { accepted: request.checkpoints.length };
    },
    ping: async (request, context) => {
      seen('ping', request, context);
      if (overrides.ping) return overrides.ping(request, context);
      return {
        region: 'eu-west',
        instance: `pong-${request.instance}`,
        version: '0.1.0',
        nodeState: 'running',
        provenanceKeyId: '1ff09dad29019f7c',
        acceptedKeyIds: ['1ff09dad29019f7c', '48caed08c12c85fa'],
        links: [
          {
            fromRegion: 'us-east',
            state: 'running',
            lagRecords: BIG + 16,
            recordsPerSecond: 12.5,
            haltedPartitions: 1,
          },
        ],
      };
    },
  };
  return { operator, peer, calls };
}

/** A logger that keeps its JSON lines in memory (and prints nothing). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    logger: createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } }),
    lines,
  };
}

/** Starts an RpcServer on a free loopback port, stopped when the test ends; returns it and its address. */
export async function startServer(
  t: TestContext,
  options: Partial<RpcServerOptions> = {},
): Promise<{ server: RpcServer; address: string; calls: SeenCall[] }> {
  const fakes = fakeHandlers();
  const server = new RpcServer({
    address: '127.0.0.1:0',
    transport: { mode: 'insecure' },
    operator: fakes.operator,
    peer: fakes.peer,
    logger: testLogger(),
    ...options,
  });
  t.after(() => server.stop(AbortSignal.abort()));
  const address = await server.start();
  return { server, address, calls: fakes.calls };
}

/** PEM file paths of a throwaway PKI. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Signed by the CA: CN=geomesh-cli, SAN URI:spiffe://geomesh/cli. */
  clientCert: string;
  clientKey: string;
  /** Signed by the CA: CN=intruder. */
  otherClientCert: string;
  otherClientKey: string;
  /** A second, unrelated CA and a client certificate it signed (CN=geomesh-cli, like the good one). */
  wrongCaCert: string;
  wrongCaClientCert: string;
  wrongCaClientKey: string;
}

/**
 * Makes a CA, a server certificate for 127.0.0.1/localhost, client certificates and a wrong CA in a new
 * temporary folder; remove it with removeTestPki.
 */
export function makeTestPki(): TestPki {
  const pki = new Pki();
  const ca = pki.ca('ca');
  const wrongCa = pki.ca('wrong-ca');
  const server = pki.issue('ca', 'server', 'server', { subject: '/CN=geomesh-node' });
  const client = pki.issue('ca', 'client', 'client', {
    subject: '/CN=geomesh-cli',
    extensions: 'subjectAltName=URI:spiffe://geomesh/cli\nextendedKeyUsage=clientAuth',
  });
  const other = pki.issue('ca', 'other-client', 'client', { subject: '/CN=intruder' });
  const wrong = pki.issue('wrong-ca', 'wrong-client', 'client', { subject: '/CN=geomesh-cli' });
  return {
    dir: pki.dir,
    caCert: ca,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherClientCert: other.cert,
    otherClientKey: other.key,
    wrongCaCert: wrongCa,
    wrongCaClientCert: wrong.cert,
    wrongCaClientKey: wrong.key,
  };
}

export function removeTestPki(pki: TestPki | undefined): void {
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
}

/** The PEM text of a file (to pass certificates as content rather than paths). */
export function pem(path: string): string {
  return readFileSync(path, 'utf8');
}
