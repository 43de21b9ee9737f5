import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GeomeshError } from '../../../../base/index.ts';
import {
  createHealthClient,
  createOperatorClient,
  createPeerClient,
  type RpcClientOptions,
} from '../../../../node/rpc/index.ts';
import { makeTestPki, pem, removeTestPki, startServer, type TestPki } from './fixtures.ts';

const ping = { region: 'us-east', instance: 'node-1', sentAtMs: 1 };

async function refused(promise: Promise<unknown>): Promise<GeomeshError> {
  const err = await promise.then(
    () => assert.fail('the call should have been refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GeomeshError, String(err));
  return err;
}

describe('RPC transport security', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });
  after(() => removeTestPki(pki));

  describe('TLS', () => {
    it('serves a client that trusts the CA (PEM given as paths or as content)', async (t) => {
      const { address } = await startServer(t, {
        transport: { mode: 'tls', cert: pki.serverCert, key: pem(pki.serverKey) },
      });
      for (const ca of [pki.caCert, pem(pki.caCert)]) {
        const client = createPeerClient(address, { transport: { mode: 'tls', ca } });
        t.after(() => client.close());
        assert.deepEqual(
          [await client.ping(ping)].map(({ region, instance, version }) => ({ region, instance, version })),
          [{ region: 'eu-west', instance: 'pong-node-1', version: '0.1.0' }],
        );
      }
      const health = createHealthClient(address, { transport: { mode: 'tls', ca: pki.caCert } });
      t.after(() => health.close());
      assert.equal(await health.check(), 'SERVING');
    });

    it('checks the server name: a certificate for localhost is refused at another name unless serverName says so', async (t) => {
      const { address } = await startServer(t, {
        address: '127.0.0.1:0',
        transport: { mode: 'tls', cert: pki.serverCert, key: pki.serverKey },
      });
      const wrongName = createPeerClient(address, {
        transport: { mode: 'tls', ca: pki.caCert, serverName: 'geomesh.example' },
      });
      t.after(() => wrongName.close());
      assert.equal(
        (await refused(wrongName.ping(ping, { timeoutMs: 5_000 }))).code,
        'GEOMESH_RPC_UNAVAILABLE',
      );
      const rightName = createPeerClient(address, {
        transport: { mode: 'tls', ca: pki.caCert, serverName: 'localhost' },
      });
      t.after(() => rightName.close());
      assert.equal((await rightName.ping(ping)).region, 'eu-west');
    });

    it('refuses a plaintext client, a client that does not trust the CA, and TLS to a plaintext server', async (t) => {
      const { address } = await startServer(t, {
        transport: { mode: 'tls', cert: pki.serverCert, key: pki.serverKey },
      });
      const attempts: [string, RpcClientOptions][] = [
        ['plaintext', { transport: { mode: 'insecure' } }],
        ['wrong CA', { transport: { mode: 'tls', ca: pki.wrongCaCert } }],
        ['system CAs', { transport: { mode: 'tls' } }],
      ];
      for (const [name, options] of attempts) {
        const client = createOperatorClient(address, options);
        t.after(() => client.close());
        const err = await refused(
          client.translateOffsets(
            { group: 'g', fromRegion: 'a', toRegion: 'b', topics: [] },
            { timeoutMs: 5_000 },
          ),
        );
        assert.equal(err.code, 'GEOMESH_RPC_UNAVAILABLE', `${name}: ${err.message}`);
      }
      const plain = await startServer(t);
      const tlsClient = createPeerClient(plain.address, { transport: { mode: 'tls', ca: pki.caCert } });
      t.after(() => tlsClient.close());
      assert.equal(
        (await refused(tlsClient.ping(ping, { timeoutMs: 5_000 }))).code,
        'GEOMESH_RPC_UNAVAILABLE',
      );
    });
  });

  describe('mutual TLS', () => {
    const serverTransport = () =>
      ({ mode: 'mtls', cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert }) as const;

    it("serves a client with a certificate from the client CA, and tells handlers the certificate's identities", async (t) => {
      const { address, calls } = await startServer(t, { transport: serverTransport() });
      const client = createPeerClient(address, {
        transport: { mode: 'mtls', ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey },
      });
      t.after(() => client.close());
      assert.equal((await client.ping(ping)).instance, 'pong-node-1');
      assert.deepEqual(calls[0]?.context.caller, {
        certificateIdentities: ['CN=geomesh-cli', 'URI:spiffe://geomesh/cli'],
        hasValidToken: false,
      });
    });

    it('refuses a client certificate from the wrong CA, and a client without a certificate', async (t) => {
      const { address, calls } = await startServer(t, { transport: serverTransport() });
      const wrongCa = createPeerClient(address, {
        transport: { mode: 'mtls', ca: pki.caCert, cert: pki.wrongCaClientCert, key: pki.wrongCaClientKey },
      });
      t.after(() => wrongCa.close());
      const err = await refused(wrongCa.ping(ping, { timeoutMs: 5_000 }));
      assert.equal(err.code, 'GEOMESH_RPC_UNAVAILABLE', err.message);
      const noCert = createPeerClient(address, { transport: { mode: 'tls', ca: pki.caCert } });
      t.after(() => noCert.close());
      assert.equal((await refused(noCert.ping(ping, { timeoutMs: 5_000 }))).code, 'GEOMESH_RPC_UNAVAILABLE');
      const plaintext = createPeerClient(address, { transport: { mode: 'insecure' } });
      t.after(() => plaintext.close());
      assert.equal(
        (await refused(plaintext.ping(ping, { timeoutMs: 5_000 }))).code,
        'GEOMESH_RPC_UNAVAILABLE',
      );
      assert.equal(calls.length, 0, 'no refused caller reached a handler');
    });
  });
});
