import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COORDINATION_DEFAULTS, resolveCoordinationConfig } from '../../../../node/coordination/index.ts';
import { etcd3OptionsFor, watchBackoff } from '../../../../node/coordination/etcd3-options.ts';
import { isGeomeshError } from '../../../../base/index.ts';
import { silentLogger } from '../../../../node/log/index.ts';

const logger = silentLogger();

function rejects(options: object, field: RegExp): void {
  assert.throws(
    () => resolveCoordinationConfig({ endpoints: ['http://127.0.0.1:2379'], mesh: 'm', logger, ...options }),
    (err: unknown) => isGeomeshError(err, 'GEOMESH_CONFIG_INVALID') && field.test(err.message),
  );
}

describe('coordination options', () => {
  it('applies defaults, normalises endpoints, derives the prefix, freezes', () => {
    const config = resolveCoordinationConfig({ endpoints: ['http://127.0.0.1:2379/'], mesh: 'prod', logger });
    assert.deepEqual(config.endpoints, ['http://127.0.0.1:2379']);
    assert.equal(config.prefix, '/geomesh/prod/');
    assert.equal(config.leaseTtlMs, COORDINATION_DEFAULTS.leaseTtlMs);
    assert.equal(config.requestTimeoutMs, COORDINATION_DEFAULTS.requestTimeoutMs);
    assert.equal(config.isSecure, false);
    assert.ok(Object.isFrozen(config));
  });

  it('rejects bad values, naming the field', () => {
    rejects({ endpoints: [] }, /coordination\.endpoints/);
    rejects({ endpoints: ['127.0.0.1:2379'] }, /endpoints\[0\]/);
    rejects({ endpoints: ['http://a:1', 'https://b:1'] }, /mixes/);
    rejects({ mesh: 'Bad/Mesh' }, /mesh/);
    rejects({ leaseTtlMs: 1_500 }, /leaseTtlMs/);
    rejects({ leaseTtlMs: 2_500 }, /whole seconds/);
    rejects({ requestTimeoutMs: 0 }, /requestTimeoutMs/);
    rejects({ tls: { ca: Buffer.from('x') } }, /https/);
    rejects({ endpoints: ['https://a:1'], tls: { cert: Buffer.from('x') } }, /cert and key/);
    rejects({ endpoints: ['https://a:1'], tls: { ca: '/nonexistent/ca.pem' } }, /cannot read \/nonexistent/);
    rejects({ passwrod: 'typo' }, /coordination\.passwrod: unknown option/);
  });

  it('reads TLS material from files or PEM text, and passes auth only to the client options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-coord-tls-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
      const config = resolveCoordinationConfig({
        endpoints: ['https://etcd:2379'],
        mesh: 'm',
        tls: { ca: join(dir, 'ca.pem'), cert: '-----BEGIN CERTIFICATE-----\nC\n', key: Buffer.from('K') },
        auth: { username: 'geomesh', password: 's3cret' },
        logger,
      });
      assert.match(config.tls!.ca!.toString(), /CA/);
      assert.match(config.tls!.cert!.toString(), /BEGIN/);
      const options = etcd3OptionsFor(config);
      assert.equal(options.credentials?.rootCertificate.toString().includes('CA'), true);
      assert.equal(options.credentials?.privateKey?.toString(), 'K');
      assert.deepEqual(options.auth, { username: 'geomesh', password: 's3cret' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('watch reconnect backoff doubles from 100 ms and stays under its cap', () => {
    let backoff = watchBackoff(2_000);
    const durations: number[] = [];
    for (let i = 0; i < 8; i++) {
      durations.push(backoff.duration);
      backoff = backoff.next(undefined)!;
    }
    assert.deepEqual(durations, [100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000]);
  });
});
