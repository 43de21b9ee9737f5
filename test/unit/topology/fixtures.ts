/** Shared topology texts for the topology unit tests. */
import { stringify } from 'yaml';
import { validateTopology, type TopologyConfig, type TopologyOptions } from '../../../topology/index.ts';

/** A small valid topology: us-east <-> eu-west, us-east -> ap-south. */
export function baseOptions(): TopologyOptions {
  return {
    mesh: 'orders',
    etcd: { endpoints: ['http://127.0.0.1:2379'] },
    regions: {
      'us-east': { kafka: { brokers: ['10.0.1.10:9092'] }, node: { grpc: '10.0.1.20:7100' } },
      'eu-west': { kafka: { brokers: ['10.1.1.10:9092'] }, node: { grpc: '10.1.1.20:7100' } },
      'ap-south': { kafka: { brokers: ['10.2.1.10:9092'] } },
    },
    links: [
      { between: ['us-east', 'eu-west'], topics: { include: ['orders-.*'] } },
      { from: 'us-east', to: 'ap-south', topics: { include: ['orders-.*'] } },
    ],
  };
}

/** Options as YAML text. */
export function yamlOf(options: unknown): string {
  return stringify(options);
}

/** Compiles text that must be valid, failing with its diagnostics otherwise. */
export function compile(text: string, env: Record<string, string> = {}): TopologyConfig {
  const result = validateTopology(text, { env });
  if (!result.ok)
    throw new Error(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
  return result.topology;
}

/** A topology with the given directed links (regions named by the links, plus `extra`), all selecting `.*`. */
export function graphTopology(
  links: readonly (readonly [string, string])[],
  extra: readonly string[] = [],
): string {
  const names = [...new Set([...links.flat(), ...extra])].sort();
  const regions = Object.fromEntries(
    names.map((n, i) => [n, { kafka: { brokers: [`127.0.0.1:${10000 + i}`] } }]),
  );
  return yamlOf({
    mesh: 'graph',
    etcd: { endpoints: ['http://127.0.0.1:2379'] },
    regions,
    links: links.map(([from, to]) => ({ from, to, topics: { include: ['.*'] } })),
  });
}
