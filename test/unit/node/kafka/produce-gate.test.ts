/**
 * The produce gate on real sockets (a loopback server stands in for a broker: only the bytes matter):
 * Produce frames leave only while the gate is open, when they are written, not when they were made; other
 * requests always pass.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gatedSocketFactory } from '../../../../node/kafka/index.ts';

/** A request frame: int32 size, int16 api key, int16 version, int32 correlation id. */
function frame(apiKey: number, correlationId: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeInt32BE(8, 0);
  buf.writeInt16BE(apiKey, 4);
  buf.writeInt16BE(0, 6);
  buf.writeInt32BE(correlationId, 8);
  return buf;
}

describe('produce gate', () => {
  let server: net.Server;
  let port = 0;
  /** Correlation ids of the frames the server received, in order. */
  const received: number[] = [];
  /** Both ends of every connection, destroyed at the end (a test that fails leaves its socket open). */
  const sockets: net.Socket[] = [];

  before(async () => {
    server = net.createServer((socket) => {
      sockets.push(socket);
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 12) {
          received.push(pending.readInt32BE(8));
          pending = pending.subarray(12);
        }
      });
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function connect(isOpen: () => boolean, refused: { n: number }): Promise<net.Socket> {
    const factory = gatedSocketFactory({ isOpen, onRefused: () => refused.n++ });
    let onConnect: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => (onConnect = resolve));
    const socket = factory({ host: '127.0.0.1', port, ssl: undefined as never, onConnect });
    sockets.push(socket);
    await connected;
    return socket;
  }

  it(
    'lets Produce requests through while open and refuses them (closing the connection) once closed',
    { timeout: 10_000 },
    async () => {
      let isOpen = true;
      const refused = { n: 0 };
      const socket = await connect(() => isOpen, refused);
      assert.equal(socket.write(frame(0, 1)), true);
      assert.equal(socket.write(frame(1, 2)), true, 'a fetch passes');
      // Made while open, written after the gate closed: refused at the write.
      const late = frame(0, 3);
      isOpen = false;
      let error: Error | undefined;
      socket.on('error', (err) => (error = err));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      assert.equal(socket.write(late), false, 'a Produce request written after the gate closed is refused');
      await closed;
      assert.match(error?.message ?? '', /produce refused/);
      assert.equal(refused.n, 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(received.splice(0), [1, 2], 'the broker never saw the refused produce');
    },
  );

  it('passes other requests while closed', async () => {
    const refused = { n: 0 };
    const socket = await connect(() => false, refused);
    socket.write(frame(3, 7));
    socket.write(frame(18, 8));
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    assert.deepEqual(received.splice(0), [7, 8]);
    assert.equal(refused.n, 0);
  });
});
