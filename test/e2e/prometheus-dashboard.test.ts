/**
 * Monitoring end to end: a real Prometheus (Debian's package) scrapes a running 3-region full mesh of
 * `geomesh node` processes on real Kafka and etcd. Every query of the Grafana dashboard
 * (deploy/grafana/geomesh-dashboard.json) returns at least one series with a number, and the alert rules of
 * deploy/prometheus/alerts.yaml — the same expressions, with `for:` shortened to seconds — stay quiet on the
 * healthy mesh and fire GeomeshLinkDown for the links into a region whose node is killed with kill -9.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { createKafkaClient } from '../../node/kafka/index.ts';
import { silentLogger } from '../../node/log/index.ts';
import { LocalPrometheus, PROJECT_ROOT, TestEnvironment, freePort } from '../harness/index.ts';
import { runGeomeshNode, waitNodeReady } from '../support/cli-process.ts';
import { fullMeshTopology } from '../support/local-topology.ts';
import { produceNumbered } from '../support/mesh-audit.ts';
import { pollUntil } from '../support/polling.ts';

const KEY = randomBytes(32).toString('hex');
const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;
/** What Grafana puts for `$__rate_interval` at this scrape interval (1 s), for queries run outside Grafana. */
const RATE_INTERVAL = '1m';

interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
}

/** Every query of the dashboard, with the panel it belongs to. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const file = join(PROJECT_ROOT, 'deploy', 'grafana', 'geomesh-dashboard.json');
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: DashboardPanel[] };
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$__rate_interval', RATE_INTERVAL),
    })),
  );
}

/** deploy/prometheus/alerts.yaml with every `for:` set to `forSeconds` (expressions untouched), in `dir`. */
function shortenedRules(dir: string, forSeconds: number): string {
  const rules = parse(readFileSync(join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8')) as {
    groups: { rules: { for?: string }[] }[];
  };
  for (const rule of rules.groups.flatMap((g) => g.rules)) if (rule.for) rule.for = `${forSeconds}s`;
  const file = join(dir, 'alerts-short.yaml');
  writeFileSync(file, stringify(rules));
  return file;
}

describe('Prometheus scrapes a 3-region mesh: dashboard queries and the link-down alert', () => {
  let env: TestEnvironment;
  let prometheus: LocalPrometheus | undefined;
  let dir: string;
  const kafka: Record<string, Kafka> = {};
  const http: Record<string, number> = {};
  const grpc: Record<string, number> = {};
  const nodes = new Map<string, ChildProcess>();

  before(async () => {
    env = await TestEnvironment.start({ kafka: [...REGIONS], etcd: true });
    dir = mkdtempSync(join(tmpdir(), 'geomesh-prometheus-e2e-'));
    for (const r of REGIONS) {
      kafka[r] = createKafkaClient({
        brokers: env.cluster(r).bootstrapServers,
        clientId: `t-${r}`,
        logger: silentLogger(),
      });
      http[r] = await freePort();
      grpc[r] = await freePort();
    }
    const file = join(dir, 'mesh.yaml');
    writeFileSync(
      file,
      fullMeshTopology({
        mesh: 'prometheus-e2e',
        etcdEndpoint: env.etcd!.endpoints[0]!,
        regions: REGIONS.map((r) => ({
          name: r,
          brokers: env.cluster(r).bootstrapServers[0]!,
          grpcPort: grpc[r]!,
          httpPort: http[r]!,
        })),
        groups: ['billing'],
      }),
    );
    // Every region's topic in every cluster (the nodes find them there rather than create them while they
    // start), and a consumer group with committed offsets in every region: the nodes checkpoint the group.
    for (const r of REGIONS) {
      const admin = kafka[r]!.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: REGIONS.map((t) => ({ topic: `orders-${t}`, numPartitions: 2 })),
      });
      await admin.setOffsets({
        groupId: 'billing',
        topic: `orders-${r}`,
        partitions: [0, 1].map((partition) => ({ partition, offset: '0' })),
      });
      await admin.disconnect();
    }
    for (const r of REGIONS) {
      const node = runGeomeshNode(
        { file, region: r, grpc: grpc[r]!, http: http[r]! },
        { GEOMESH_PROVENANCE_KEY: KEY },
      );
      node.stderr!.on('data', (c: Buffer) => process.stderr.write(`[${r}] ${c.toString()}`));
      nodes.set(r, node);
    }
    await Promise.all(REGIONS.map((r) => waitNodeReady(http[r]!, `node ${r}`)));
    prometheus = await LocalPrometheus.start({
      targets: REGIONS.map((r) => `127.0.0.1:${http[r]}`),
      ruleFiles: [shortenedRules(dir, 2)],
      intervalSeconds: 1,
    });
  });

  after(async () => {
    for (const node of nodes.values()) node.kill('SIGKILL');
    await prometheus?.stop();
    await env?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every dashboard query returns at least one series with a number, and no alert fires', async () => {
    // Records written while Prometheus scrapes, in two rounds: the first makes the counters and histograms
    // appear, the second makes them grow (rates and percentiles need an increase). The second waits until
    // Prometheus holds every link's series: it scrapes its first targets only some seconds after it starts
    // (target updates are batched), and a series first scraped at its final value never grows.
    await Promise.all(REGIONS.map((r) => produceNumbered(kafka[r]!, r, `orders-${r}`, 300, 2)));
    const links = REGIONS.length * (REGIONS.length - 1);
    const scraped = () => prometheus!.query('geomesh_end_to_end_latency_seconds_count > 0');
    assert.equal(
      (await pollUntil(scraped, (s) => s.length >= links, 60_000)).length,
      links,
      'first round scraped',
    );
    await Promise.all(REGIONS.map((r) => produceNumbered(kafka[r]!, r, `orders-${r}`, 300, 2, 300)));
    const queries = dashboardQueries();
    assert.ok(queries.length >= 20, `${queries.length} queries`);
    const missing = async (): Promise<string[]> => {
      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        const samples = await prometheus!.query(expr);
        if (!samples.some((s) => Number.isFinite(Number(s.value[1])))) empty.push(`${panel}: ${expr}`);
      }
      return empty;
    };
    const last = await pollUntil(missing, (empty) => empty.length === 0, 60_000);
    assert.deepEqual(last, [], 'dashboard queries with no series (or only NaN)');

    const alerts = await prometheus!.alerts();
    assert.deepEqual(
      alerts.map((a) => `${a.labels['alertname']} ${a.state}`),
      [],
      'a healthy mesh raises no alert',
    );
  });

  it('GeomeshLinkDown fires for the links into a region whose node is killed', async () => {
    nodes.get('us-east')!.kill('SIGKILL');
    nodes.delete('us-east');
    const firing = async (): Promise<string[]> =>
      (await prometheus!.alerts())
        .filter((a) => a.labels['alertname'] === 'GeomeshLinkDown' && a.state === 'firing')
        .map((a) => `${a.labels['from']} -> ${a.labels['to']}`)
        .sort();
    const down = await pollUntil(firing, (links) => links.length >= 2, 30_000);
    assert.deepEqual(down, ['ap-south -> us-east', 'eu-west -> us-east']);
  });
});
