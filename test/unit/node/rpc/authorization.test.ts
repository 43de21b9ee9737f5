import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isGeomeshError, type GeomeshError } from '../../../../base/index.ts';
import {
  RpcServer,
  createOperatorClient,
  createPeerClient,
  type AuthorizationOptions,
  type ClientTransportOptions,
} from '../../../../node/rpc/index.ts';
import { testLogger } from '../../../support/test-logger.ts';
import {
  capturingLogger,
  fakeHandlers,
  makeTestPki,
  removeTestPki,
  startServer,
  type TestPki,
} from './fixtures.ts';

const TOKEN = 'op-token-7f3a9c1e5b2d4f6a8c0e';
const TOKEN_ENV = 'GEOMESH_TEST_RPC_OPERATOR_TOKEN';
const WRONG_ENV = 'GEOMESH_TEST_RPC_WRONG_TOKEN';
const TRANSLATE = 'geomesh.v1.Operator/TranslateOffsets';
const request = { group: 'g', fromRegion: 'us-east', toRegion: 'eu-west', topics: ['orders'] };

async function refusedWith(promise: Promise<unknown>, code: GeomeshError['code']): Promise<GeomeshError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(isGeomeshError(err, code), `expected ${code}, got ${String(err)}`);
  return err;
}

describe('RPC authorisation of protected methods', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
    process.env[TOKEN_ENV] = TOKEN;
    process.env[WRONG_ENV] = 'not-the-token';
  });
  after(() => {
    removeTestPki(pki);
    delete process.env[TOKEN_ENV];
    delete process.env[WRONG_ENV];
  });

  const tls = (): ClientTransportOptions => ({ mode: 'tls', ca: pki.caCert });

  describe('with a bearer token', () => {
    it('lets in the right token, refuses none or a wrong one with UNAUTHENTICATED, never logs the token', async (t) => {
      const { logger, lines } = capturingLogger();
      const { address, calls } = await startServer(t, {
        transport: { mode: 'tls', cert: pki.serverCert, key: pki.serverKey },
        authorization: { protectedMethods: [TRANSLATE], bearerToken: { env: TOKEN_ENV } },
        logger,
      });

      const anonymous = createOperatorClient(address, { transport: tls() });
      t.after(() => anonymous.close());
      const none = await refusedWith(anonymous.translateOffsets(request), 'GEOMESH_RPC_UNAUTHENTICATED');
      assert.match(
        none.message,
        /UNAUTHENTICATED: geomesh\.v1\.Operator\/TranslateOffsets needs a bearer token$/,
      );

      const wrong = createOperatorClient(address, { transport: tls(), bearerToken: { env: WRONG_ENV } });
      t.after(() => wrong.close());
      const invalid = await refusedWith(wrong.translateOffsets(request), 'GEOMESH_RPC_UNAUTHENTICATED');
      assert.match(invalid.message, /the bearer token is not valid/);
      assert.equal(calls.length, 0, 'no refused caller reached the handler');

      const dir = pki.dir;
      writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
      for (const bearerToken of [{ env: TOKEN_ENV }, { file: join(dir, 'token') }]) {
        const operator = createOperatorClient(address, { transport: tls(), bearerToken });
        t.after(() => operator.close());
        assert.equal((await operator.translateOffsets(request)).group, 'g');
      }
      assert.equal(calls.length, 2);
      assert.deepEqual(calls[0]?.context.caller, { certificateIdentities: [], hasValidToken: true });

      // Unprotected methods stay open to callers without credentials.
      const peer = createPeerClient(address, { transport: tls() });
      t.after(() => peer.close());
      assert.equal((await peer.ping({ region: 'a', instance: 'b', sentAtMs: 0 })).region, 'eu-west');

      const log = lines.join('');
      assert.ok(log.includes('refused a call to a protected method'), 'refusals are logged');
      assert.ok(log.includes(`env ${TOKEN_ENV}`), 'the token source is logged');
      assert.ok(!log.includes(TOKEN) && !log.includes('not-the-token'), 'no token value reaches the log');
    });
  });

  describe('with a client certificate allow-list (mutual TLS)', () => {
    const mtlsServer = (authorization: AuthorizationOptions) =>
      ({
        transport: { mode: 'mtls', cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert },
        authorization,
      }) as const;

    it('lets in an allowed identity (CN or SAN), refuses another valid certificate with PERMISSION_DENIED', async (t) => {
      for (const identity of ['CN=geomesh-cli', 'URI:spiffe://geomesh/cli']) {
        const { address, calls } = await startServer(
          t,
          mtlsServer({ protectedMethods: [TRANSLATE], allowedClientIdentities: [identity] }),
        );
        const allowed = createOperatorClient(address, {
          transport: { mode: 'mtls', ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey },
        });
        t.after(() => allowed.close());
        assert.equal((await allowed.translateOffsets(request)).group, 'g', identity);
        assert.deepEqual(calls[0]?.context.caller.certificateIdentities, [
          'CN=geomesh-cli',
          'URI:spiffe://geomesh/cli',
        ]);

        const intruder = createOperatorClient(address, {
          transport: { mode: 'mtls', ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey },
        });
        t.after(() => intruder.close());
        const denied = await refusedWith(intruder.translateOffsets(request), 'GEOMESH_RPC_PERMISSION_DENIED');
        assert.match(denied.message, /client certificate CN=intruder is not allowed to call it/);
        // The intruder's certificate is valid: it may still call methods that are not protected.
        const intruderPeer = createPeerClient(address, {
          transport: { mode: 'mtls', ca: pki.caCert, cert: pki.otherClientCert, key: pki.otherClientKey },
        });
        t.after(() => intruderPeer.close());
        assert.equal(
          (await intruderPeer.ping({ region: 'a', instance: 'b', sentAtMs: 0 })).region,
          'eu-west',
        );
      }
    });

    it('accepts the token instead of an allowed certificate when both are configured; a wrong token is UNAUTHENTICATED', async (t) => {
      const { address } = await startServer(
        t,
        mtlsServer({
          protectedMethods: [TRANSLATE],
          allowedClientIdentities: ['CN=geomesh-cli'],
          bearerToken: { env: TOKEN_ENV },
        }),
      );
      const intruderTransport = {
        mode: 'mtls',
        ca: pki.caCert,
        cert: pki.otherClientCert,
        key: pki.otherClientKey,
      } as const;
      const withToken = createOperatorClient(address, {
        transport: intruderTransport,
        bearerToken: { env: TOKEN_ENV },
      });
      t.after(() => withToken.close());
      assert.equal((await withToken.translateOffsets(request)).group, 'g');
      const wrongToken = createOperatorClient(address, {
        transport: intruderTransport,
        bearerToken: { env: WRONG_ENV },
      });
      t.after(() => wrongToken.close());
      await refusedWith(wrongToken.translateOffsets(request), 'GEOMESH_RPC_UNAUTHENTICATED');
    });
  });

  describe('options', () => {
    const base = () => {
      const { operator, peer } = fakeHandlers();
      return { address: '127.0.0.1:0', operator, peer, logger: testLogger() };
    };
    const configError = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(
        fn,
        (e: unknown) => isGeomeshError(e, 'GEOMESH_CONFIG_INVALID') && pattern.test(e.message),
      );

    it('refuses unknown protected method names, a protection nobody can pass, and certificates without mtls', () => {
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'insecure' },
            authorization: {
              protectedMethods: ['geomesh.v1.Operator/Failovr'],
              bearerToken: { env: TOKEN_ENV },
            },
          }),
        /protectedMethods\[0\]: "geomesh\.v1\.Operator\/Failovr" is not a method this server serves/,
      );
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'insecure' },
            authorization: { protectedMethods: [TRANSLATE] },
          }),
        /need a bearerToken or allowedClientIdentities/,
      );
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'tls', cert: pki.serverCert, key: pki.serverKey },
            authorization: { protectedMethods: [TRANSLATE], allowedClientIdentities: ['CN=geomesh-cli'] },
          }),
        /only checked with transport mode "mtls"/,
      );
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'mtls', cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert },
            authorization: { protectedMethods: [TRANSLATE], allowedClientIdentities: ['geomesh-cli'] },
          }),
        /allowedClientIdentities\[0\]: "geomesh-cli" must start with one of CN=/,
      );
    });

    it('names a missing token variable without a value, and refuses to send a token in clear text', () => {
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'insecure' },
            authorization: { protectedMethods: [TRANSLATE], bearerToken: { env: 'GEOMESH_TEST_RPC_UNSET' } },
          }),
        /authorization\.bearerToken: environment variable GEOMESH_TEST_RPC_UNSET is not set or is empty/,
      );
      configError(
        () =>
          createOperatorClient('127.0.0.1:7100', {
            transport: { mode: 'insecure' },
            bearerToken: { env: TOKEN_ENV },
          }),
        /rpcClient\.bearerToken: a bearer token is only sent over TLS/,
      );
    });

    it('validates addresses, modes, PEM sources, numbers and unknown keys', () => {
      configError(
        () => new RpcServer({ ...base(), address: 'localhost', transport: { mode: 'insecure' } }),
        /rpcServer\.address: "localhost" is not host:port/,
      );
      configError(
        () => createPeerClient('127.0.0.1:0', { transport: { mode: 'insecure' } }),
        /rpcClient\.target/,
      );
      configError(
        () => createPeerClient('[::1]:70000', { transport: { mode: 'insecure' } }),
        /rpcClient\.target/,
      );
      configError(
        () => new RpcServer({ ...base(), transport: { mode: 'plain' } as never }),
        /transport\.mode: must be "insecure", "tls" or "mtls", got "plain"/,
      );
      configError(
        () =>
          new RpcServer({
            ...base(),
            transport: { mode: 'tls', cert: '/no/such/cert.pem', key: pki.serverKey },
          }),
        /transport\.cert: cannot read \/no\/such\/cert\.pem/,
      );
      configError(
        () => new RpcServer({ ...base(), transport: { mode: 'insecure' }, shutdownTimeoutMs: 0 }),
        /shutdownTimeoutMs: must be a whole number/,
      );
      configError(
        () => new RpcServer({ ...base(), transport: { mode: 'insecure' }, port: 7100 } as never),
        /rpcServer\.port: unknown option/,
      );
      configError(
        () => new RpcServer({ ...base(), peer: {} as never, transport: { mode: 'insecure' } }),
        /rpcServer\.peer\.getFrontiers: must be a function/,
      );
      const server = new RpcServer({ ...base(), address: '[::1]:0', transport: { mode: 'insecure' } });
      assert.equal(server.config.host, '[::1]');
    });
  });
});
