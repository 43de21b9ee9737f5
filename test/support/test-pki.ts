/**
 * A throwaway PKI made with the openssl command: a CA, certificates it signs (ECDSA P-256, two days), and an
 * unrelated CA, in a temporary folder the caller removes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  cert: string;
  key: string;
}

export class TestPki {
  readonly dir: string;

  /** In `dir` (made if missing) when given, else in a new temporary folder. */
  constructor(dir?: string) {
    if (spawnSync('openssl', ['version']).error) {
      throw new Error('making certificates needs the openssl command (Debian package openssl)');
    }
    if (dir !== undefined) mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'geomesh-pki-'));
  }

  #openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Makes a self-signed CA; returns its certificate's path. */
  ca(name: string): string {
    this.#openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
    this.#openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-out',
      `${name}.crt`,
    ]);
    return join(this.dir, `${name}.crt`);
  }

  /**
   * Issues a certificate signed by CA `ca` (made with `ca()`): for a node (server and client use, valid for
   * 127.0.0.1 and localhost), a server only, or a client. `subject` defaults to `/CN=<name>`; `extensions`
   * (openssl extfile lines) replace the use's.
   */
  issue(
    ca: string,
    name: string,
    use: 'node' | 'server' | 'client',
    options: { subject?: string; extensions?: string } = {},
  ): IssuedCert {
    const extensions =
      options.extensions ??
      {
        node: 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth',
        server: 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth',
        client: 'extendedKeyUsage=clientAuth',
      }[use];
    this.#openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
    const subject = options.subject ?? `/CN=${name}`;
    this.#openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    writeFileSync(join(this.dir, `${name}.ext`), `basicConstraints=critical,CA:FALSE\n${extensions}\n`);
    this.#openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }

  /** The key at `keyPath` in PKCS#8 (what Kafka's PEM keystore wants); returns the new file's path. */
  pkcs8(keyPath: string): string {
    const out = `${keyPath}.pk8`;
    this.#openssl(['pkcs8', '-topk8', '-nocrypt', '-in', keyPath, '-out', out]);
    return out;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
