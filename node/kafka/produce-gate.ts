/**
 * The last fence before records leave the process: a kafkajs socket factory whose sockets refuse to write a
 * Produce request while `isOpen()` is false, destroying the connection instead (kafkajs then fails the
 * request). Work sharing opens the gate only while the instance's lease is certainly alive, and checks it
 * here, synchronously, in the same call that hands the request's bytes to the kernel: a request that waited
 * inside kafkajs (queued behind others, retried, or held while the process was frozen by SIGSTOP) is
 * checked when it is really sent, not when the write began. Bytes the kernel has accepted are sent by the
 * kernel even if the process is frozen right after, so they reach the broker long before a lease could
 * expire. Other requests (fetch, metadata, offsets) pass.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** Kafka's Produce request (api key 0). */
const PRODUCE_API_KEY = 0;
const KEEP_ALIVE_DELAY_MS = 60_000;

/** The api key of a request frame: int32 size, then int16 api key. */
function apiKeyOf(chunk: unknown): number | undefined {
  return Buffer.isBuffer(chunk) && chunk.length >= 6 ? chunk.readInt16BE(4) : undefined;
}

export interface ProduceGate {
  /** True while Produce requests may leave. */
  isOpen(): boolean;
  /** Called for every Produce request refused. */
  onRefused?(): void;
}

/**
 * kafkajs' own socket factory (plain or TLS, keep-alive) without Nagle's algorithm, with Produce requests
 * gated when a gate is given, and every socket handed to `onSocket` (the cluster's socket registry,
 * kafka-cluster.ts).
 */
export function gatedSocketFactory(
  gate?: ProduceGate,
  onSocket?: (socket: net.Socket) => void,
): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    // Nagle's algorithm off, as Kafka's own clients have it (TCP_NODELAY): kafkajs writes each request in one
    // write, and a small one sent while another of the connection is unacknowledged (a fetch the broker holds,
    // a heartbeat, a commit) would otherwise wait for the peer's delayed acknowledgement, up to 40 ms on Linux.
    socket.setNoDelay(true);
    onSocket?.(socket);
    if (!gate) return socket;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (...args: unknown[]) => {
      if (apiKeyOf(args[0]) === PRODUCE_API_KEY && !gate.isOpen()) {
        gate.onRefused?.();
        socket.destroy(
          new Error('produce refused: this instance does not certainly hold its lease (fenced)'),
        );
        return false;
      }
      return write(...args);
    };
    return socket;
  };
}
