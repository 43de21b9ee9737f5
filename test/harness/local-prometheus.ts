/**
 * Prometheus and promtool from Debian's `prometheus` package: `promtool` checks and unit-tests the alert rules
 * of deploy/prometheus, and `LocalPrometheus` scrapes running nodes on a free loopback port. The package is
 * installed with apt-get when missing (as root); otherwise a clear error says how to install it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GeomeshError } from '../../base/index.ts';
import { LocalServer } from './local-server.ts';
import { ManagedProcess, removeAtExit } from './managed-process.ts';
import { freePort } from './ports.ts';

export interface PrometheusBinaries {
  prometheus: string;
  promtool: string;
}

function findBinaries(): PrometheusBinaries | undefined {
  const dir = process.env['GEOMESH_PROMETHEUS_DIR'] ?? '/usr/bin';
  const found = { prometheus: join(dir, 'prometheus'), promtool: join(dir, 'promtool') };
  return existsSync(found.prometheus) && existsSync(found.promtool) ? found : undefined;
}

/** prometheus and promtool, installing Debian's `prometheus` package when missing and we are root. */
export function ensurePrometheusBinaries(log: (line: string) => void = () => {}): PrometheusBinaries {
  const existing = findBinaries();
  if (existing) return existing;
  if (process.getuid?.() !== 0) {
    throw new GeomeshError(
      'GEOMESH_HARNESS_MISSING_DEPENDENCY',
      'Prometheus is not installed: run `sudo apt-get install prometheus` (it brings prometheus and promtool), ' +
        'or set GEOMESH_PROMETHEUS_DIR to a folder holding both binaries',
    );
  }
  log('installing prometheus with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  // --no-install-recommends: the exporters it recommends are services we neither need nor want started.
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
    stdio: 'ignore',
    env,
  });
  const installed = findBinaries();
  if (!installed)
    throw new GeomeshError(
      'GEOMESH_HARNESS_MISSING_DEPENDENCY',
      'apt-get installed prometheus but /usr/bin/prometheus or /usr/bin/promtool is missing',
    );
  return installed;
}

export interface LocalPrometheusOptions {
  /** `host:port` targets scraped at `/metrics` under job `geomesh`. */
  targets: readonly string[];
  /** Rule files loaded as they are (absolute paths). */
  ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval; default 1 s. */
  intervalSeconds?: number;
}

/** One sample of an instant query: its labels and value. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An alert as `/api/v1/alerts` lists it. */
export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export class LocalPrometheus extends LocalServer {
  readonly url: string;

  private constructor(binary: string, dir: string, port: number) {
    const url = `http://127.0.0.1:${port}`;
    super(
      'prometheus',
      dir,
      new ManagedProcess({
        name: 'prometheus',
        command: binary,
        args: [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        logFile: join(dir, 'prometheus.log'),
        orphanCleanupDir: dir,
      }),
      20_000,
    );
    this.url = url;
  }

  static async start(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
    const { prometheus } = ensurePrometheusBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-prometheus-'));
    removeAtExit(dir);
    const interval = `${options.intervalSeconds ?? 1}s`;
    const config = {
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      rule_files: [...(options.ruleFiles ?? [])],
      scrape_configs: [{ job_name: 'geomesh', static_configs: [{ targets: [...options.targets] }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const server = new LocalPrometheus(prometheus, dir, await freePort());
    try {
      await server.launch(20_000);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** An instant query's samples; throws with Prometheus's error on a bad query. */
  async query(expr: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: PromSample[] };
    };
    if (body.status !== 'success')
      throw new Error(`Prometheus refused the query ${expr}: ${body.error ?? res.status}`);
    return body.data!.resultType === 'vector' ? body.data!.result : [];
  }

  /** The pending and firing alerts. */
  async alerts(): Promise<PromAlert[]> {
    const res = await fetch(`${this.url}/api/v1/alerts`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { data: { alerts: PromAlert[] } };
    return body.data.alerts;
  }

  protected override async launch(timeoutMs: number): Promise<void> {
    this.process.start();
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.process.state === 'exited')
        throw new GeomeshError(
          'GEOMESH_HARNESS_START_FAILED',
          `prometheus exited while starting; log tail:\n${this.logTail(30)}`,
        );
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
        lastError = `/-/ready answered ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new GeomeshError(
      'GEOMESH_HARNESS_START_FAILED',
      `prometheus was not ready within ${timeoutMs} ms (${lastError}); log tail:\n${this.logTail(30)}`,
    );
  }
}
