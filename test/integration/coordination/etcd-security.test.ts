/**
 * The coordination adapter against a secured etcd: TLS with client certificates (mutual TLS), and user
 * authentication with a role limited to the mesh's prefix. Wrong or missing credentials are refused with a
 * clear error that never contains the password.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { EtcdCoordinator, type CoordinationOptions } from '../../../node/coordination/index.ts';
import { silentLogger } from '../../../node/log/index.ts';
import { LocalEtcd } from '../../harness/local-etcd.ts';
import { TestPki, type IssuedCert } from '../../support/test-pki.ts';

const execFileAsync = promisify(execFile);

async function coordinator(
  options: Partial<CoordinationOptions> & { endpoints: string[] },
): Promise<EtcdCoordinator> {
  const c = new EtcdCoordinator({
    mesh: 'secured',
    logger: silentLogger(),
    requestTimeoutMs: 2_000,
    ...options,
  });
  await c.start(AbortSignal.timeout(10_000));
  return c;
}

describe('etcd with mutual TLS', () => {
  let pki: TestPki;
  let etcd: LocalEtcd;
  let ca: string;
  let client: IssuedCert;
  let stranger: IssuedCert;

  before(async () => {
    pki = new TestPki();
    ca = pki.ca('etcd-ca');
    pki.ca('other-ca');
    const server = pki.issue('etcd-ca', 'etcd-server', 'node');
    client = pki.issue('etcd-ca', 'geomesh-node', 'client');
    stranger = pki.issue('other-ca', 'stranger', 'node');
    etcd = await LocalEtcd.start({ name: 'tls', tls: { cert: server.cert, key: server.key, ca } });
  });
  after(async () => {
    await etcd?.stop();
    pki?.remove();
  });

  it('a client certificate of the etcd CA works: documents and leases', async () => {
    assert.match(etcd.endpoints[0]!, /^https:/);
    const c = await coordinator({
      endpoints: etcd.endpoints,
      tls: { ca, cert: client.cert, key: client.key },
    });
    try {
      const revision = await c.put('probe', 'over-tls');
      assert.ok(revision > 0);
      assert.equal((await c.get('probe'))?.value.toString(), 'over-tls');
      const lease = await c.grantLease({ ttlMs: 5_000 });
      await c.put('leased', 'x', { lease });
      await lease.revoke();
      assert.equal(await c.get('leased'), undefined);
    } finally {
      await c.stop();
    }
  });

  it('a certificate of another CA, or none, is refused', async () => {
    await assert.rejects(
      coordinator({ endpoints: etcd.endpoints, tls: { ca, cert: stranger.cert, key: stranger.key } }),
      (err: { code?: string }) => /^GEOMESH_COORD_/.test(err.code ?? ''),
    );
    await assert.rejects(coordinator({ endpoints: etcd.endpoints, tls: { ca } }), (err: { code?: string }) =>
      /^GEOMESH_COORD_/.test(err.code ?? ''),
    );
  });
});

describe('etcd with authentication', () => {
  let etcd: LocalEtcd;
  const password = `pw-${randomBytes(8).toString('hex')}`;

  before(async () => {
    etcd = await LocalEtcd.start({ name: 'auth' });
    const ctl = (...args: string[]) =>
      execFileAsync('etcdctl', [`--endpoints=${etcd.endpoints[0]}`, ...args], {
        env: { ...process.env, ETCDCTL_API: '3' },
      });
    await ctl('user', 'add', 'root', `--new-user-password=${randomBytes(8).toString('hex')}`);
    await ctl('role', 'add', 'geomesh');
    await ctl('role', 'grant-permission', 'geomesh', '--prefix=true', 'readwrite', '/geomesh/secured/');
    await ctl('user', 'add', 'geomesh', `--new-user-password=${password}`);
    await ctl('user', 'grant-role', 'geomesh', 'geomesh');
    await ctl('auth', 'enable');
  });
  after(() => etcd?.stop());

  it('the mesh user reads and writes under its prefix', async () => {
    const c = await coordinator({ endpoints: etcd.endpoints, auth: { username: 'geomesh', password } });
    try {
      await c.put('probe', 'authenticated');
      assert.equal((await c.get('probe'))?.value.toString(), 'authenticated');
    } finally {
      await c.stop();
    }
  });

  it('a wrong password or no credentials is refused, and the error never shows the password', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    await assert.rejects(
      async () => {
        const c = await coordinator({
          endpoints: etcd.endpoints,
          auth: { username: 'geomesh', password: wrong },
        });
        try {
          await c.put('probe', 'x');
        } finally {
          await c.stop();
        }
      },
      (err: Error & { code?: string }) => {
        assert.match(err.code ?? '', /^GEOMESH_COORD_/);
        assert.ok(!JSON.stringify({ m: err.message, s: err.stack }).includes(wrong));
        return true;
      },
    );
    await assert.rejects(
      async () => {
        const c = await coordinator({ endpoints: etcd.endpoints });
        try {
          await c.put('probe', 'x');
        } finally {
          await c.stop();
        }
      },
      (err: { code?: string }) => /^GEOMESH_COORD_/.test(err.code ?? ''),
    );
  });
});
