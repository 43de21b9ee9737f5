/**
 * deploy/container and deploy/compose are not run here (no Docker engine): these checks keep them in step with
 * the code — the pinned Node, the files the image copies, the `geomesh node` flags the compose file and the
 * Kubernetes Deployment pass (checked against the real CLI's help), the compose topology, and the Kafka version.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateTopology } from '../../../topology/index.ts';
import { DEFAULT_KAFKA_VERSION, PROJECT_ROOT } from '../../harness/index.ts';

const DOCKERFILE = readFileSync(join(PROJECT_ROOT, 'deploy', 'container', 'Dockerfile'), 'utf8');
const COMPOSE = parse(readFileSync(join(PROJECT_ROOT, 'deploy', 'compose', 'compose.yaml'), 'utf8'), {
  merge: true, // the compose file shares settings with `<<: *anchor`
}) as {
  services: Record<string, { image?: string; command?: string[]; hostname?: string; ports?: string[] }>;
};

/** `geomesh node --help`, from the real CLI. */
const NODE_HELP = execFileSync(
  process.execPath,
  [join(PROJECT_ROOT, 'node', 'cli', 'bin.mjs'), 'node', '--help'],
  {
    encoding: 'utf8',
  },
);

function assertNodeFlagsExist(args: readonly string[], where: string): void {
  assert.equal(args[0], 'node', `${where}: runs \`geomesh node\``);
  for (const flag of args.filter((a) => a.startsWith('--')))
    assert.ok(NODE_HELP.includes(`${flag} `), `${where}: \`geomesh node\` has no option ${flag}`);
}

describe('deploy/container and deploy/compose, kept in step with the code', () => {
  it('the image pins the Node the project pins', () => {
    const pinned = (
      JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies['node'];
    assert.match(DOCKERFILE, new RegExp(`^ARG NODE_VERSION=${pinned!.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(DOCKERFILE, /^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS build$/m);
  });

  it('the image copies files that exist and the build context lets through', () => {
    const ignore = readFileSync(join(PROJECT_ROOT, 'deploy', 'container', 'Dockerfile.dockerignore'), 'utf8');
    const sources = [...DOCKERFILE.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    assert.ok(sources.length >= 5, `COPY lines: ${sources.join(', ')}`);
    for (const source of sources) {
      assert.ok(
        existsSync(join(PROJECT_ROOT, source)),
        `the Dockerfile copies ${source}, which does not exist`,
      );
      assert.match(ignore, new RegExp(`^!${source}/?$`, 'm'), `Dockerfile.dockerignore keeps ${source} out`);
    }
    assert.match(DOCKERFILE, /^USER 10001:10001$/m);
    assert.match(DOCKERFILE, /^ENTRYPOINT \["geomesh"\]$/m);
    assert.match(DOCKERFILE, /^HEALTHCHECK .*\n.*\/healthz/m);
  });

  it('the compose file and the Kubernetes Deployment pass only options `geomesh node` has', () => {
    const nodes = Object.entries(COMPOSE.services).filter(([name]) => name.startsWith('geomesh-'));
    assert.equal(nodes.length, 3);
    for (const [name, service] of nodes) assertNodeFlagsExist(service.command ?? [], `compose ${name}`);
    const deployment = parse(
      readFileSync(join(PROJECT_ROOT, 'deploy', 'kubernetes', 'base', 'deployment.yaml'), 'utf8'),
    ) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    assertNodeFlagsExist(deployment.spec.template.spec.containers[0]!.args, 'deploy/kubernetes Deployment');
  });

  it('the compose topology is valid and names each node at its service', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'deploy', 'compose', 'topology.yaml'), 'utf8');
    const result = validateTopology(text, { env: { GEOMESH_PROVENANCE_KEY: 'k'.repeat(64) } });
    assert.ok(result.ok, JSON.stringify(result.diagnostics));
    for (const region of result.topology.regions) {
      const service = COMPOSE.services[`geomesh-${region.name}`];
      assert.ok(service, `compose has no service geomesh-${region.name}`);
      const args = service.command!;
      assert.equal(args[args.indexOf('--region') + 1], region.name);
      assert.equal(region.node.grpc, `${service.hostname}:7100`);
      const [host] = region.kafka.brokers[0]!.split(':');
      assert.ok(COMPOSE.services[host!], `compose has no Kafka service ${host}`);
    }
  });

  it('the compose Kafka is the version the tests run', () => {
    const kafka = Object.entries(COMPOSE.services).filter(([name]) => name.startsWith('kafka-'));
    assert.equal(kafka.length, 3);
    for (const [, service] of kafka) assert.equal(service.image, `apache/kafka:${DEFAULT_KAFKA_VERSION}`);
  });
});
