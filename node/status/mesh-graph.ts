/**
 * The mesh as a picture: `meshGraph` lays the regions out on a circle (in the topology's order, the first at
 * the top) and draws each declared link as an arrow from its source to its target, labelled with its lag and
 * rate and coloured by its health. The two directions of a pair run side by side, each offset to its own
 * right, so both stay visible; each label sits near its arrow's source, so the labels of a pair never meet.
 * `renderMeshSvg` turns the model into a self-contained SVG document (no external assets); the status page
 * draws the same model in the browser when it refreshes.
 */
import { formatRate } from './status-table.ts';
import type { LinkHealth, MeshLinkStatus, MeshStatus, RegionStatus } from './status-types.ts';

/** How a region's node is doing: `up` (running), `degraded` (answered, not running), `unreachable`. */
export type NodeHealth = 'up' | 'degraded' | 'unreachable';

export interface GraphNode {
  region: string;
  x: number;
  y: number;
  r: number;
  health: NodeHealth;
  fill: string;
  stroke: string;
  isDashed: boolean;
  /** The region name first, then its state and instances. */
  lines: string[];
}

export interface GraphArrow {
  fromRegion: string;
  toRegion: string;
  health: LinkHealth;
  color: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Lag and rate, e.g. `lag 120 · 35.0/s`. */
  label: string;
  labelX: number;
  labelY: number;
  labelAnchor: 'start' | 'middle' | 'end';
}

export interface LegendEntry {
  health: LinkHealth;
  color: string;
  label: string;
}

export interface MeshGraph {
  width: number;
  height: number;
  nodes: GraphNode[];
  arrows: GraphArrow[];
  legend: LegendEntry[];
}

export interface MeshGraphOptions {
  /** Default 960. */
  width?: number;
  /** Default 560. */
  height?: number;
}

/** Arrow colours by link health. */
export const HEALTH_COLORS: Readonly<Record<LinkHealth, string>> = Object.freeze({
  ok: '#2e7d32',
  lagging: '#ef6c00',
  halted: '#c62828',
  incomplete: '#c62828',
  down: '#c62828',
  unknown: '#9e9e9e',
});

const HEALTH_LABELS: Readonly<Record<LinkHealth, string>> = Object.freeze({
  ok: 'running',
  lagging: 'lagging',
  halted: 'partition halted or link down',
  incomplete: 'source partitions not replicated',
  down: 'link down',
  unknown: 'no report',
});

const NODE_STYLE: Readonly<Record<NodeHealth, { fill: string; stroke: string; isDashed: boolean }>> =
  Object.freeze({
    up: { fill: '#e8f5e9', stroke: '#2e7d32', isDashed: false },
    degraded: { fill: '#fff3e0', stroke: '#ef6c00', isDashed: false },
    unreachable: { fill: '#f5f5f5', stroke: '#9e9e9e', isDashed: true },
  });

/** Distance between a pair's two arrows, each offset by half of it to its own right. */
const PAIR_OFFSET = 9;
/**
 * Where along an arrow (from its source) its label may sit, in order of preference: a third of the way puts
 * the two labels of a pair at opposite ends; the others are tried when a label would cover another or a region.
 */
const LABEL_POSITIONS = [0.3, 0.42, 0.2, 0.54, 0.66];
/** Estimated width of a label character (12 px semi-bold sans-serif) and height of a label, in px. */
const LABEL_CHAR_PX = 7;
const LABEL_HEIGHT_PX = 14;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The box a label covers (estimated from its length). */
export function labelBox(a: Pick<GraphArrow, 'label' | 'labelX' | 'labelY' | 'labelAnchor'>): Box {
  const w = a.label.length * LABEL_CHAR_PX;
  const x0 = a.labelAnchor === 'start' ? a.labelX : a.labelAnchor === 'end' ? a.labelX - w : a.labelX - w / 2;
  return { x0, y0: a.labelY - LABEL_HEIGHT_PX + 3, x1: x0 + w, y1: a.labelY + 3 };
}

function boxesMeet(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

function boxMeetsCircle(b: Box, c: { x: number; y: number; r: number }): boolean {
  const x = Math.max(b.x0, Math.min(c.x, b.x1));
  const y = Math.max(b.y0, Math.min(c.y, b.y1));
  return Math.hypot(x - c.x, y - c.y) < c.r;
}
const round = (n: number): number => Math.round(n * 10) / 10;

/** The arrow's label: lag and rate, plus halted partitions; `no report` when its node did not report it. */
export function arrowLabel(link: MeshLinkStatus): string {
  if (link.lagRecords === null || link.recordsPerSecond === null) return 'no report';
  const parts = [`lag ${link.lagRecords}`, formatRate(link.recordsPerSecond)];
  if (link.haltedPartitions) parts.push(`${link.haltedPartitions} halted`);
  if (link.unreplicatedPartitions) parts.push(`${link.unreplicatedPartitions} unread`);
  if (link.health === 'down' && link.state) parts.push(link.state);
  return parts.join(' · ');
}

function nodeHealth(region: RegionStatus): NodeHealth {
  if (!region.isReachable || !region.node) return 'unreachable';
  return region.node.state === 'running' ? 'up' : 'degraded';
}

function nodeLines(region: RegionStatus): string[] {
  const lines = [region.region];
  lines.push(region.node ? region.node.state : 'unreachable');
  if (region.instances !== null) {
    const n = region.instances.length;
    lines.push(`${n} instance${n === 1 ? '' : 's'} in etcd`);
  } else if (region.node) {
    lines.push(region.node.instance);
  }
  return lines;
}

/** Centres of `n` regions: one in the middle, two side by side, more on a circle starting at the top. */
function positions(n: number, width: number, height: number, r: number): { x: number; y: number }[] {
  const cx = width / 2;
  const cy = height / 2;
  if (n === 1) return [{ x: cx, y: cy }];
  if (n === 2) {
    return [
      { x: width * 0.25, y: cy },
      { x: width * 0.75, y: cy },
    ];
  }
  const radius = Math.min(width, height) / 2 - r - 30;
  return Array.from({ length: n }, (_, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) };
  });
}

/** The picture of `status`. */
export function meshGraph(status: MeshStatus, options: MeshGraphOptions = {}): MeshGraph {
  const width = options.width ?? 960;
  const height = options.height ?? 560;
  const r = Math.min(62, Math.max(36, Math.min(width, height) / (3 + status.regions.length)));
  const centres = positions(status.regions.length, width, height, r);
  const nodes: GraphNode[] = status.regions.map((region, i) => {
    const health = nodeHealth(region);
    const { x, y } = centres[i]!;
    return {
      region: region.region,
      x: round(x),
      y: round(y),
      r,
      health,
      ...NODE_STYLE[health],
      lines: nodeLines(region),
    };
  });
  const at = new Map(nodes.map((n) => [n.region, n]));
  const arrows: GraphArrow[] = [];
  const taken: Box[] = [];
  for (const link of status.links) {
    const from = at.get(link.fromRegion);
    const to = at.get(link.toRegion);
    if (!from || !to) continue;
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy) || 1;
    const ux = dx / length;
    const uy = dy / length;
    // The right-hand normal of the direction (y grows downwards): the reverse arrow's is the opposite one.
    const nx = -uy;
    const ny = ux;
    const off = PAIR_OFFSET / 2;
    const x1 = from.x + ux * (from.r + 4) + nx * off;
    const y1 = from.y + uy * (from.r + 4) + ny * off;
    const x2 = to.x - ux * (to.r + 8) + nx * off;
    const y2 = to.y - uy * (to.r + 8) + ny * off;
    // The label goes on the arrow's right, at the first position along it that covers no label placed
    // before and no region (else at the first position).
    const labelAnchor: GraphArrow['labelAnchor'] = nx > 0.3 ? 'start' : nx < -0.3 ? 'end' : 'middle';
    const label = arrowLabel(link);
    const candidates = LABEL_POSITIONS.map((t) => ({
      label,
      labelAnchor,
      labelX: round(x1 + (x2 - x1) * t + nx * 14),
      labelY: round(y1 + (y2 - y1) * t + ny * 14 + (ny > 0.3 ? 10 : ny < -0.3 ? -2 : 4)),
    }));
    const placed =
      candidates.find((c) => {
        const box = labelBox(c);
        return !taken.some((t) => boxesMeet(t, box)) && !nodes.some((n) => boxMeetsCircle(box, n));
      }) ?? candidates[0]!;
    taken.push(labelBox(placed));
    arrows.push({
      fromRegion: link.fromRegion,
      toRegion: link.toRegion,
      health: link.health,
      color: HEALTH_COLORS[link.health],
      x1: round(x1),
      y1: round(y1),
      x2: round(x2),
      y2: round(y2),
      ...placed,
    });
  }
  const legend = (Object.keys(HEALTH_COLORS) as LinkHealth[])
    .filter((h) => h !== 'down')
    .map((health) => ({ health, color: HEALTH_COLORS[health], label: HEALTH_LABELS[health] }));
  return { width, height, nodes, arrows, legend };
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The SVG markup of `graph` (an `<svg>` element with its own styles and arrow heads). */
export function renderMeshSvg(graph: MeshGraph): string {
  const colors = [...new Set([...graph.arrows.map((a) => a.color), ...graph.legend.map((l) => l.color)])];
  const markerId = (color: string) => `head-${color.slice(1)}`;
  const markers = colors
    .map(
      (c) =>
        `<marker id="${markerId(c)}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
    )
    .join('');
  const arrows = graph.arrows
    .map(
      (a) =>
        `<g class="link link-${a.health}" data-from="${escapeXml(a.fromRegion)}" data-to="${escapeXml(a.toRegion)}">` +
        `<line class="arrow" x1="${a.x1}" y1="${a.y1}" x2="${a.x2}" y2="${a.y2}" stroke="${a.color}" stroke-width="2.5" marker-end="url(#${markerId(a.color)})"/>` +
        `<text class="arrow-label" x="${a.labelX}" y="${a.labelY}" text-anchor="${a.labelAnchor}" fill="${a.color}">${escapeXml(a.label)}</text>` +
        '</g>',
    )
    .join('');
  const nodes = graph.nodes
    .map((n) => {
      const top = n.y - ((n.lines.length - 1) * 16) / 2 + 5;
      const text = n.lines
        .map(
          (line, i) =>
            `<text class="${i === 0 ? 'region-name' : 'region-line'}" x="${n.x}" y="${round(top + i * 16)}" text-anchor="middle">${escapeXml(line)}</text>`,
        )
        .join('');
      return (
        `<g class="region region-${n.health}" data-region="${escapeXml(n.region)}">` +
        `<circle cx="${n.x}" cy="${n.y}" r="${n.r}" fill="${n.fill}" stroke="${n.stroke}" stroke-width="2.5"${n.isDashed ? ' stroke-dasharray="6 4"' : ''}/>` +
        text +
        '</g>'
      );
    })
    .join('');
  const legend = graph.legend
    .map((l, i) => {
      const y = graph.height - 16 - (graph.legend.length - 1 - i) * 18;
      return (
        `<line x1="12" y1="${y - 4}" x2="40" y2="${y - 4}" stroke="${l.color}" stroke-width="2.5"/>` +
        `<text class="legend" x="46" y="${y}">${escapeXml(l.label)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="mesh" viewBox="0 0 ${graph.width} ${graph.height}" width="${graph.width}" height="${graph.height}" role="img" aria-label="mesh status">` +
    '<style>text{font-family:system-ui,sans-serif;font-size:12px}.region-name{font-weight:700;font-size:14px}' +
    '.arrow-label{font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}.legend{fill:#555}</style>' +
    `<defs>${markers}</defs>${arrows}${nodes}${legend}</svg>`
  );
}
