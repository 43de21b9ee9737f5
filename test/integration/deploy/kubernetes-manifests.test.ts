/**
 * deploy/kubernetes: every overlay renders with `kubectl kustomize`, and every object it renders validates
 * offline against the API types of a pinned Kubernetes release (test/support/kubernetes-manifests.ts); an
 * unknown field or a wrong type fails. The topology in the ConfigMap is valid for geomesh and runs each
 * overlay's region with as many instances as it asks for.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateTopology } from '../../../topology/index.ts';
import { PROJECT_ROOT } from '../../harness/index.ts';
import {
  KUBERNETES_MODELS_RELEASE,
  renderKustomization,
  validateManifest,
  type Manifest,
  type V1ConfigMap,
  type V1Deployment,
  type V1PodDisruptionBudget,
  type V1Service,
} from '../../support/kubernetes-manifests.ts';

const KUBERNETES_DIR = join(PROJECT_ROOT, 'deploy', 'kubernetes');
const OVERLAYS = readdirSync(join(KUBERNETES_DIR, 'overlays'));
const EXAMPLE_REGIONS = ['ap-south', 'eu-west', 'us-east']; // examples/full-mesh.yaml

/** Every `${VAR}` the topology names, set to a placeholder of the right shape. */
const TOPOLOGY_ENV = {
  GEOMESH_PROVENANCE_KEY: 'k'.repeat(64),
  ETCD_PASSWORD: 'x',
  AP_SOUTH_KAFKA_PASSWORD: 'x',
  EU_WEST_KAFKA_PASSWORD: 'x',
  US_EAST_KAFKA_PASSWORD: 'x',
};

/** The one object of `kind`, typed as the API declares it (validateManifest checked the shape). */
function one<T>(manifests: Manifest[], kind: string): T {
  const found = manifests.filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0] as unknown as T;
}

describe(`Kubernetes manifests (validated against Kubernetes ${KUBERNETES_MODELS_RELEASE})`, () => {
  it('there is one overlay per region of the example topology', () => {
    assert.deepEqual([...OVERLAYS].sort(), EXAMPLE_REGIONS);
  });

  for (const region of OVERLAYS) {
    it(`overlay ${region}: every object validates, and the node is wired as documented`, () => {
      const manifests = renderKustomization(join(KUBERNETES_DIR, 'overlays', region));
      assert.deepEqual(manifests.flatMap(validateManifest), []);
      assert.deepEqual(manifests.map((m) => m.kind).sort(), [
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
      ]);
      for (const m of manifests)
        assert.equal(m.metadata?.['namespace'], `geomesh-${region}`, `${String(m.kind)} namespace`);

      const deployment = one<V1Deployment>(manifests, 'Deployment');
      const pod = deployment.spec!.template.spec!;
      const container = pod.containers[0]!;
      assert.ok(deployment.spec!.replicas! > 1, 'several instances per region');
      assert.equal(container.env!.find((e) => e.name === 'GEOMESH_REGION')?.value, region);
      assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.volumes!.find((v) => v.name === 'tls')?.secret?.secretName, 'geomesh-tls');
      assert.equal(container.envFrom![0]!.secretRef?.name, 'geomesh-secrets');
      assert.equal(deployment.spec!.template.metadata?.annotations?.['prometheus.io/scrape'], 'true');

      const selector = deployment.spec!.selector.matchLabels!;
      assert.equal(selector['geomesh.io/region'], region);
      assert.deepEqual(
        one<V1PodDisruptionBudget>(manifests, 'PodDisruptionBudget').spec?.selector?.matchLabels,
        selector,
      );
      assert.deepEqual(one<V1Service>(manifests, 'Service').spec?.selector, selector);

      // The ConfigMap mounted is the one rendered, and its topology runs this region with work sharing.
      const configMap = one<V1ConfigMap>(manifests, 'ConfigMap');
      assert.equal(
        pod.volumes!.find((v) => v.name === 'topology')?.configMap?.name,
        configMap.metadata?.name,
      );
      const result = validateTopology(configMap.data!['topology.yaml']!, { env: TOPOLOGY_ENV });
      assert.ok(result.ok, JSON.stringify(result.diagnostics));
      assert.ok(result.topology.hasRegion(region));
      assert.notEqual(
        result.topology.region(region).node.workSharing,
        null,
        `${region} runs ${deployment.spec!.replicas} instances: its topology needs node.workSharing`,
      );
    });
  }

  it('an unknown field or a wrong type in an overlay fails validation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'geomesh-kustomize-'));
    try {
      cpSync(KUBERNETES_DIR, dir, { recursive: true });
      const overlay = join(dir, 'overlays', 'us-east');
      writeFileSync(
        join(overlay, 'broken.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: geomesh }',
          'spec:',
          "  progressDeadlineSeconds: '600'", // a string where an integer goes
          '  template:',
          '    spec:',
          '      terminationGracePeriod: 60', // no such field (terminationGracePeriodSeconds)
          '      containers:',
          '        - name: geomesh',
          '          readinessProbe: { httpGet: { path: /readyz, port: http }, periodSecond: 5 }',
        ].join('\n'),
      );
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        `${readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')}\n  - path: broken.yaml\n`,
      );
      const problems = renderKustomization(overlay).flatMap(validateManifest);
      assert.deepEqual(problems.map((p) => p.replace(/ \(.*\)$/, '')).sort(), [
        'Deployment/geomesh: spec.progressDeadlineSeconds: expected a number, got string "600"',
        'Deployment/geomesh: spec.template.spec.containers[0].readinessProbe.periodSecond: unknown field',
        'Deployment/geomesh: spec.template.spec.terminationGracePeriod: unknown field',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a kind Kubernetes does not have fails validation', () => {
    assert.match(
      validateManifest({ apiVersion: 'apps/v1', kind: 'Deplyoment', metadata: { name: 'x' } }).join(),
      /apps\/v1 Deplyoment is not a type of Kubernetes release-/,
    );
  });
});
