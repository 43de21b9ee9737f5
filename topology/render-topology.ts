/**
 * Renderings of a compiled topology for people and drawing tools: text, JSON, Graphviz dot and Mermaid.
 * They show `${ENV}` references, never secret values.
 */
import type { TopologyConfig } from './topology-config.ts';

export type TopologyFormat = 'text' | 'json' | 'dot' | 'mermaid';

export const TOPOLOGY_FORMATS: readonly TopologyFormat[] = ['text', 'json', 'dot', 'mermaid'];

/** `topology` rendered in `format`, ending with a newline. */
export function renderTopology(topology: TopologyConfig, format: TopologyFormat): string {
  switch (format) {
    case 'text':
      return renderText(topology);
    case 'json':
      return `${JSON.stringify(renderJson(topology), null, 2)}\n`;
    case 'dot':
      return renderDot(topology);
    case 'mermaid':
      return renderMermaid(topology);
  }
}

/** Routes of every origin: `{ origin: { region: { parent, path } } }`. */
function routesOf(
  topology: TopologyConfig,
): Record<string, Record<string, { parent: string; path: readonly string[] }>> {
  const out: Record<string, Record<string, { parent: string; path: readonly string[] }>> = {};
  for (const { name } of topology.regions) {
    const routes: Record<string, { parent: string; path: readonly string[] }> = {};
    for (const route of topology.forwardingTree(name).routes.values()) {
      routes[route.region] = { parent: route.parent, path: route.path };
    }
    out[name] = routes;
  }
  return out;
}

function renderJson(topology: TopologyConfig): unknown {
  return {
    hash: topology.hash,
    topology: topology.toJSON(),
    forwarding: Object.fromEntries(
      topology.links.map((l) => [l.id, topology.originsForwardedBy(l.from, l.to)]),
    ),
    routes: routesOf(topology),
  };
}

function renderText(topology: TopologyConfig): string {
  const declared = topology.toJSON();
  const lines: string[] = [
    `mesh ${topology.mesh}  (hash ${topology.hash.slice(0, 12)})`,
    `etcd ${topology.etcd.endpoints.join(', ')}`,
    `provenance key ${topology.provenanceKey ? topology.provenanceKey.reference : 'none'}` +
      (declared.provenance?.accept?.length ? `, accepts ${declared.provenance.accept.join(', ')}` : ''),
    '',
  ];
  lines.push(`regions (${topology.regions.length}):`);
  const width = Math.max(...topology.regions.map((r) => r.name.length));
  for (const region of topology.regions) {
    const kafka = declared.regions[region.name]?.kafka;
    const security = [
      kafka?.tls ? 'tls' : 'plaintext',
      kafka?.sasl
        ? `sasl ${kafka.sasl.mechanism} as ${kafka.sasl.username}, password ${kafka.sasl.password}`
        : '',
    ].filter((s) => s !== '');
    lines.push(
      `  ${region.name.padEnd(width)}  kafka ${region.kafka.brokers.join(',')} (${security.join('; ')})  node grpc ${region.node.grpc} http ${region.node.http}${region.node.workSharing ? `, instances share partitions (lease ${region.node.workSharing.leaseTtlMs / 1000} s)` : ''}`,
    );
  }
  lines.push('', `links (${topology.links.length}):`);
  for (const link of topology.links) {
    const o = link.options;
    lines.push(`  ${link.from} -> ${link.to}`);
    lines.push(`      topics ${link.topics.describe()}; groups ${link.groups.describe()}`);
    lines.push(
      `      batch ${o.maxBatchBytes} B, in flight ${o.maxInflightBytes} B, compression ${o.compression}, exactly-once ${o.exactlyOnce ? 'on' : 'off'}, rate ${o.maxRecordsPerSecond === null ? 'unlimited' : `${o.maxRecordsPerSecond} records/s`}, source truncated: ${o.onSourceTruncated}, record too large: ${o.onRecordTooLarge}, transport: ${o.transport}`,
    );
    lines.push(`      forwards origins: ${topology.originsForwardedBy(link.from, link.to).join(', ')}`);
  }
  lines.push('', 'routes (origin: region <- parent via path):');
  for (const { name } of topology.regions) {
    const routes = [...topology.forwardingTree(name).routes.values()];
    if (routes.length === 0) {
      lines.push(`  ${name}: reaches no other region`);
      continue;
    }
    lines.push(`  ${name}:`);
    for (const route of routes)
      lines.push(`      ${route.region} <- ${route.parent}  (${route.path.join(' -> ')})`);
    const unreached = topology.regions
      .filter((r) => r.name !== name && !topology.route(name, r.name))
      .map((r) => r.name);
    if (unreached.length > 0) lines.push(`      not reached: ${unreached.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function renderDot(topology: TopologyConfig): string {
  const lines = [`digraph ${quote(topology.mesh)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const region of topology.regions) lines.push(`  ${quote(region.name)};`);
  for (const link of topology.links) {
    const origins = topology.originsForwardedBy(link.from, link.to);
    const label = `${link.topics.include.join(' | ')}\\norigins: ${origins.join(', ')}`;
    lines.push(
      `  ${quote(link.from)} -> ${quote(link.to)} [label=${quote(label).replace(/\\\\n/g, '\\n')}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function renderMermaid(topology: TopologyConfig): string {
  const id = (name: string): string => `r_${name.replace(/-/g, '_')}`;
  const escape = (s: string): string => s.replace(/"/g, '#quot;').replace(/\|/g, '#124;');
  const lines = ['flowchart LR'];
  for (const region of topology.regions) lines.push(`  ${id(region.name)}["${region.name}"]`);
  for (const link of topology.links) {
    const origins = topology.originsForwardedBy(link.from, link.to);
    lines.push(
      `  ${id(link.from)} -->|"${escape(`${link.topics.include.join(', ')}; origins: ${origins.join(', ')}`)}"| ${id(link.to)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
