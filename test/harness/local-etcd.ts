/**
 * etcd from Debian's `etcd-server` package, as a local process on free loopback ports. The binary is
 * installed with apt-get when missing (as root); otherwise a clear error says how to install it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeomeshError } from '../../base/index.ts';
import { LocalServer } from './local-server.ts';
import { ManagedProcess, removeAtExit } from './managed-process.ts';
import { freePorts } from './ports.ts';
import type { EtcdHandle, EtcdOptions } from './types.ts';

const ETCD_CANDIDATES = ['/usr/bin/etcd', '/usr/local/bin/etcd'];

function findEtcd(): string | undefined {
  const override = process.env['GEOMESH_ETCD_BIN'];
  if (override) return override;
  const found = ETCD_CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether `etcdctl` (Debian's `etcd-client`; tests set up etcd users and roles with it) is on the PATH. */
function hasEtcdctl(): boolean {
  try {
    return execFileSync('sh', ['-c', 'command -v etcdctl'], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

/**
 * The etcd binary, installing Debian's `etcd-server` (and `etcd-client`, for `etcdctl`) when missing and we
 * are root.
 */
export function ensureEtcdBinary(log: (line: string) => void = () => {}): string {
  const existing = findEtcd();
  const missing = [...(existing ? [] : ['etcd-server']), ...(hasEtcdctl() ? [] : ['etcd-client'])];
  if (missing.length === 0) return existing!;
  if (process.getuid?.() !== 0) {
    if (existing) return existing;
    throw new GeomeshError(
      'GEOMESH_HARNESS_MISSING_DEPENDENCY',
      'etcd is not installed: run `sudo apt-get install etcd-server etcd-client`, or set GEOMESH_ETCD_BIN to an etcd binary',
    );
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'ignore', env });
  const installed = findEtcd();
  if (!installed)
    throw new GeomeshError(
      'GEOMESH_HARNESS_MISSING_DEPENDENCY',
      'apt-get installed etcd-server but no etcd binary was found',
    );
  return installed;
}

export class LocalEtcd extends LocalServer implements EtcdHandle {
  readonly endpoints: string[];
  readonly clientPort: number;

  /** Where `/health` is served (the client URL, or with TLS a plain metrics URL). */
  readonly #healthUrl: string;

  private constructor(
    name: string,
    binary: string,
    dir: string,
    ports: { client: number; peer: number; metrics: number },
    tls: EtcdOptions['tls'],
  ) {
    const client = `${tls ? 'https' : 'http'}://127.0.0.1:${ports.client}`;
    const peer = `http://127.0.0.1:${ports.peer}`;
    const metrics = `http://127.0.0.1:${ports.metrics}`;
    const clientPort = ports.client;
    super(
      name,
      dir,
      new ManagedProcess({
        name: `etcd-${name}`,
        command: binary,
        args: [
          '--name',
          name,
          '--data-dir',
          join(dir, 'data'),
          '--listen-client-urls',
          client,
          '--advertise-client-urls',
          client,
          '--listen-peer-urls',
          peer,
          '--initial-advertise-peer-urls',
          peer,
          '--initial-cluster',
          `${name}=${peer}`,
          '--initial-cluster-state',
          'new',
          ...(tls
            ? [
                '--cert-file',
                tls.cert,
                '--key-file',
                tls.key,
                '--trusted-ca-file',
                tls.ca,
                '--client-cert-auth',
                '--listen-metrics-urls',
                metrics,
              ]
            : []),
          '--log-level',
          'warn',
          '--logger',
          'zap',
        ],
        // etcd 3.4 on arm64 refuses to start without this; harmless elsewhere.
        env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'arm64' ? 'arm64' : '' },
        logFile: join(dir, 'etcd.log'),
        orphanCleanupDir: dir,
      }),
      20_000,
    );
    this.clientPort = clientPort;
    this.endpoints = [client];
    this.#healthUrl = `${tls ? metrics : client}/health`;
  }

  static async start(options: EtcdOptions = {}): Promise<LocalEtcd> {
    const binary = ensureEtcdBinary();
    const name = options.name ?? 'etcd';
    const dir = mkdtempSync(join(tmpdir(), `geomesh-etcd-${name}-`));
    removeAtExit(dir);
    const [client, peer, metrics] = await freePorts(3);
    const etcd = new LocalEtcd(
      name,
      binary,
      dir,
      { client: client!, peer: peer!, metrics: metrics! },
      options.tls,
    );
    try {
      await etcd.launch(options.startTimeoutMs ?? 20_000);
      return etcd;
    } catch (err) {
      await etcd.stop();
      throw err;
    }
  }

  /** Starts etcd and waits until `/health` reports healthy. */
  protected override async launch(timeoutMs: number): Promise<void> {
    this.process.start();
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.process.state === 'exited') {
        throw new GeomeshError(
          'GEOMESH_HARNESS_START_FAILED',
          `etcd ${this.name} exited while starting; log tail:\n${this.logTail(30)}`,
        );
      }
      try {
        const res = await fetch(this.#healthUrl, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
        lastError = JSON.stringify(body);
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new GeomeshError(
      'GEOMESH_HARNESS_START_FAILED',
      `etcd ${this.name} was not healthy within ${timeoutMs} ms (${lastError}); log tail:\n${this.logTail(30)}`,
    );
  }
}
