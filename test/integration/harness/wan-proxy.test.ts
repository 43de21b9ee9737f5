/**
 * The harness's WAN proxy: delay per direction, a bandwidth cap, byte counts, bounded memory, and the faults
 * (cut, blackhole, reset), against plain TCP servers on loopback; then a real broker reached only through it.
 * Timing checks are lower bounds only (a busy machine can make things slower, never faster than the delay).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKafkaClient } from '../../../node/kafka/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { TestEnvironment, WanProxy, type WanProxyOptions } from '../../harness/index.ts';
import { createTopic } from '../../support/kafka-topics.ts';
import { waitFor } from '../../support/polling.ts';

/** A TCP server on loopback; `onSocket` handles each connection. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function connectTo(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Sends `text` and resolves with the first reply, or 'silence' after `waitMs`. */
async function ask(socket: Socket, text: string, waitMs = 5_000): Promise<string> {
  const reply = once(socket, 'data').then(([d]) => (d as Buffer).toString());
  socket.write(text);
  return Promise.race([reply, new Promise<string>((r) => setTimeout(() => r('silence'), waitMs).unref())]);
}

describe('WAN proxy (plain TCP)', () => {
  let echo: { server: Server; port: number };
  const sockets: Socket[] = [];
  const proxies: WanProxy[] = [];

  before(async () => {
    echo = await tcpServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.pipe(s);
    });
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    for (const s of sockets) s.destroy();
    echo.server.close();
  });

  async function proxyTo(port: number, options: Omit<WanProxyOptions, 'target'> = {}): Promise<WanProxy> {
    const proxy = await WanProxy.start({ target: { host: '127.0.0.1', port }, ...options });
    proxies.push(proxy);
    return proxy;
  }

  it('delays each direction by its one-way delay, changeable while connections run', async () => {
    const proxy = await proxyTo(echo.port, { delayMs: 0 });
    proxy.setDelay({ up: 30, down: 50 });
    const client = await connectTo(proxy.port);
    sockets.push(client);
    let startedAt = performance.now();
    assert.equal(await ask(client, 'ping'), 'ping');
    const rtt = performance.now() - startedAt;
    assert.ok(rtt >= 79, `round trip ${rtt.toFixed(1)} ms ≥ 30 + 50 ms`);
    proxy.setDelay(100);
    startedAt = performance.now();
    assert.equal(await ask(client, 'pong'), 'pong');
    const slower = performance.now() - startedAt;
    assert.ok(slower >= 199, `round trip ${slower.toFixed(1)} ms ≥ 2 × 100 ms after setDelay(100)`);
  });

  it('counts the bytes it delivers in each direction', async () => {
    const { server, port } = await tcpServer((s) => {
      sockets.push(s);
      let got = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got === 10_000) s.end(Buffer.alloc(3_000, 1));
      });
    });
    const proxy = await proxyTo(port, { delayMs: 5 });
    const client = await connectTo(proxy.port);
    let received = 0;
    client.on('data', (d: Buffer) => (received += d.length));
    client.write(Buffer.alloc(10_000, 2));
    await once(client, 'end');
    assert.equal(received, 3_000);
    assert.deepEqual(proxy.bytes, { up: 10_000, down: 3_000 });
    assert.equal(proxy.accepted, 1);
    server.close();
  });

  it('caps bandwidth, shared by the connections in one direction', async () => {
    let got = 0;
    const { server, port } = await tcpServer((s) => {
      sockets.push(s);
      s.on('data', (d: Buffer) => (got += d.length));
    });
    const proxy = await proxyTo(port, { bandwidthBytesPerSecond: 200_000 });
    const startedAt = performance.now();
    const clients = await Promise.all([connectTo(proxy.port), connectTo(proxy.port)]);
    for (const c of clients) {
      sockets.push(c);
      c.write(Buffer.alloc(50_000));
    }
    await waitFor(() => Promise.resolve(got === 100_000), {
      timeoutMs: 20_000,
      intervalMs: 10,
      what: '100 kB through',
    });
    const took = performance.now() - startedAt;
    assert.ok(took >= 480, `100 kB at 200 kB/s took ${took.toFixed(0)} ms (≥ 500 ms less a tick)`);
    server.close();
  });

  it('stops reading a sender once its queue is full (memory stays bounded)', async () => {
    const { server, port } = await tcpServer((s) => {
      sockets.push(s);
      s.resume();
    });
    const proxy = await proxyTo(port, { bandwidthBytesPerSecond: 10_000, maxQueuedBytes: 64 * 1024 });
    const client = await connectTo(proxy.port);
    sockets.push(client);
    client.write(Buffer.alloc(8 * 1024 * 1024));
    await new Promise((r) => setTimeout(r, 500));
    // What the proxy did not read is still in the client's socket (and the kernel buffers between).
    assert.ok(
      client.writableLength > 4 * 1024 * 1024,
      `${client.writableLength} bytes still waiting at the sender`,
    );
    client.destroy();
    server.close();
  });

  it('cut closes every connection and refuses new ones; heal opens the way again', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await connectTo(proxy.port);
    assert.equal(await ask(client, 'before'), 'before');
    const closed = once(client, 'close');
    proxy.cut();
    await closed;
    assert.equal(proxy.state, 'cut');
    const refused = connect(proxy.port, '127.0.0.1');
    refused.on('error', () => {});
    await once(refused, 'close');
    assert.equal(refused.bytesRead, 0);
    proxy.heal();
    const again = await connectTo(proxy.port);
    sockets.push(again);
    assert.equal(await ask(again, 'after'), 'after');
  });

  it('blackhole accepts and goes silent; what was held flows after heal', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await connectTo(proxy.port);
    sockets.push(client);
    assert.equal(await ask(client, 'a'), 'a');
    proxy.blackhole();
    const reply = ask(client, 'held', 60_000);
    const late = await connectTo(proxy.port);
    sockets.push(late);
    const lateReply = ask(late, 'late', 60_000);
    const silent = await Promise.race([reply, new Promise((r) => setTimeout(() => r('silence'), 500))]);
    assert.equal(silent, 'silence', 'nothing answered while blackholed');
    proxy.heal();
    assert.equal(await reply, 'held');
    assert.equal(await lateReply, 'late');
  });

  it('reset ends open connections with ECONNRESET', async () => {
    const proxy = await proxyTo(echo.port);
    const client = await connectTo(proxy.port);
    assert.equal(await ask(client, 'x'), 'x');
    const error = once(client, 'error');
    proxy.reset();
    const [err] = (await error) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(proxy.open, 0);
  });
});

describe('WAN proxy in front of a real broker', () => {
  let env: TestEnvironment;

  before(async () => {
    env = await TestEnvironment.start({ kafka: ['far'], wan: { delayMs: 20 } });
  });

  after(() => env?.stop());

  it('a client bootstrapped at the proxy is sent back to it, and every byte is counted there', async () => {
    const proxy = env.wan('far');
    const local = createKafkaClient({
      brokers: env.cluster('far').bootstrapServers,
      clientId: 'near',
      logger: silentLogger(),
    });
    await createTopic(local, 'over-the-wan', 2);
    const remote = createKafkaClient({
      brokers: env.wanBootstrapServers('far'),
      clientId: 'remote',
      logger: silentLogger(),
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 3_000,
    });
    const admin = remote.admin();
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    await admin.disconnect();
    assert.deepEqual(
      brokers.map((b) => `${b.host}:${b.port}`),
      [proxy.address],
      'the broker advertises the proxy on its WAN listener',
    );
    const producer = remote.producer();
    await producer.connect();
    await producer.send({
      topic: 'over-the-wan',
      messages: Array.from({ length: 100 }, (_, i) => ({ value: `record-${i}`, partition: i % 2 })),
    });
    const before = proxy.bytes;
    assert.ok(before.up > 100 * 8, `${before.up} bytes up through the proxy`);
    assert.ok(before.down > 0, `${before.down} bytes down through the proxy`);
    proxy.cut();
    await assert.rejects(
      producer.send({ topic: 'over-the-wan', messages: [{ value: 'cut off' }] }),
      'with the proxy cut, the client has no other way to the broker',
    );
    proxy.heal();
    await producer.disconnect();
    const admin2 = local.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets('over-the-wan');
    await admin2.disconnect();
    assert.equal(
      offsets.reduce((n, p) => n + Number(p.high), 0),
      100,
    );
  });
});
