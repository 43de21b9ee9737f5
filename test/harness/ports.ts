/** Free loopback ports for test servers. */
import { createServer } from 'node:net';

/**
 * Ports this process has handed out. The OS may offer a port again as soon as its probe is closed, before the
 * server it was meant for binds it: two `freePort` calls in a row could name the same port (a node's gRPC and
 * HTTP addresses, refused by the topology as one address used twice).
 */
const handedOut = new Set<number>();

/** A TCP port on `host` that nothing listens on right now and this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await probe(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** A TCP port on `host` that nothing listens on right now (the OS picks it). */
async function probe(host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/** Resolves once `host:port` accepts a TCP connection, or rejects when `signal` aborts. */
export async function waitForPort(host: string, port: number, signal: AbortSignal): Promise<void> {
  const { connect } = await import('node:net');
  while (!signal.aborted) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (isOpen) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw signal.reason ?? new Error(`timed out waiting for ${host}:${port}`);
}
