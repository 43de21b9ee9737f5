/**
 * The status page a node serves at `/status`: one self-contained HTML document (inline styles and script, no
 * external assets). It shows the mesh as SVG (regions as circles, links as arrows labelled with lag and rate,
 * coloured by health), the regions with their instances, for regions that share work each instance's share
 * (state, lease, how many partitions and which), each region's state recorded in etcd (active, failed over
 * to which region and since when, failing back), this node's own report, and how each of its inbound links
 * gets its records (path, switches, WAN bytes per written byte: link-path-rows.ts). The first paint is
 * rendered on the server; then the page's script fetches `/status.json` (this node) and `/mesh.json` (the
 * mesh view this node assembles from its peers) every few seconds and redraws. The script's `drawMesh` is
 * `renderMeshSvg` written for the browser, and its `shareRows` is `workSharingRows`; unit tests prove both
 * pairs agree.
 */
import { LINK_PATH_ROWS_SCRIPT, linkPathRows } from './link-path-rows.ts';
import { escapeXml, meshGraph, renderMeshSvg } from './mesh-graph.ts';
import type { MeshStatus, NodeStatus } from './status-types.ts';
import { NODE_DEFAULTS } from '../config/index.ts';

export interface StatusPageInput {
  /** This node's report. */
  self: NodeStatus;
  /** The mesh view for the first paint. */
  mesh: MeshStatus;
  /** How often the page refreshes; default NODE_DEFAULTS.status.pageRefreshMs. */
  refreshMs?: number;
}

/**
 * The browser's copy of `renderMeshSvg` (plain ES2017, no modules): kept identical in output, which the unit
 * test `status-page.test.ts` checks by running it on the same graphs.
 */
export const DRAW_MESH_SCRIPT = String.raw`
function esc(t) { return String(t).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
function rnd(n) { return Math.round(n * 10) / 10; }
function drawMesh(g) {
  var colors = [];
  g.arrows.map(function (a) { return a.color; }).concat(g.legend.map(function (l) { return l.color; }))
    .forEach(function (c) { if (colors.indexOf(c) < 0) colors.push(c); });
  function mid(c) { return 'head-' + c.slice(1); }
  var markers = colors.map(function (c) {
    return '<marker id="' + mid(c) + '" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="' + c + '"/></marker>';
  }).join('');
  var arrows = g.arrows.map(function (a) {
    return '<g class="link link-' + a.health + '" data-from="' + esc(a.fromRegion) + '" data-to="' + esc(a.toRegion) + '">' +
      '<line class="arrow" x1="' + a.x1 + '" y1="' + a.y1 + '" x2="' + a.x2 + '" y2="' + a.y2 + '" stroke="' + a.color + '" stroke-width="2.5" marker-end="url(#' + mid(a.color) + ')"/>' +
      '<text class="arrow-label" x="' + a.labelX + '" y="' + a.labelY + '" text-anchor="' + a.labelAnchor + '" fill="' + a.color + '">' + esc(a.label) + '</text>' +
      '</g>';
  }).join('');
  var nodes = g.nodes.map(function (n) {
    var top = n.y - ((n.lines.length - 1) * 16) / 2 + 5;
    var text = n.lines.map(function (line, i) {
      return '<text class="' + (i === 0 ? 'region-name' : 'region-line') + '" x="' + n.x + '" y="' + rnd(top + i * 16) + '" text-anchor="middle">' + esc(line) + '</text>';
    }).join('');
    return '<g class="region region-' + n.health + '" data-region="' + esc(n.region) + '">' +
      '<circle cx="' + n.x + '" cy="' + n.y + '" r="' + n.r + '" fill="' + n.fill + '" stroke="' + n.stroke + '" stroke-width="2.5"' + (n.isDashed ? ' stroke-dasharray="6 4"' : '') + '/>' +
      text + '</g>';
  }).join('');
  var legend = g.legend.map(function (l, i) {
    var y = g.height - 16 - (g.legend.length - 1 - i) * 18;
    return '<line x1="12" y1="' + (y - 4) + '" x2="40" y2="' + (y - 4) + '" stroke="' + l.color + '" stroke-width="2.5"/>' +
      '<text class="legend" x="46" y="' + y + '">' + esc(l.label) + '</text>';
  }).join('');
  return '<svg xmlns="http://www.w3.org/2000/svg" class="mesh" viewBox="0 0 ' + g.width + ' ' + g.height + '" width="' + g.width + '" height="' + g.height + '" role="img" aria-label="mesh status">' +
    '<style>text{font-family:system-ui,sans-serif;font-size:12px}.region-name{font-weight:700;font-size:14px}' +
    '.arrow-label{font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}.legend{fill:#555}</style>' +
    '<defs>' + markers + '</defs>' + arrows + nodes + legend + '</svg>';
}
`;

/**
 * The browser's copy of `workSharingRows` (plain ES2017): the rows of the page's work sharing table, kept
 * identical to the server's, which the unit test `work-sharing-status.test.ts` checks on the same mesh views.
 */
export const SHARE_ROWS_SCRIPT = String.raw`
function partitionRanges(owned) {
  return owned.map(function (t) {
    var p = t.partitions, ranges = [];
    for (var i = 0; i < p.length; ) {
      var j = i;
      while (j + 1 < p.length && p[j + 1] === p[j] + 1) j++;
      ranges.push(j === i ? String(p[i]) : p[i] + '-' + p[j]);
      i = j + 1;
    }
    return t.topic + ' ' + ranges.join(', ');
  }).join('; ');
}
function partitionCount(owned) {
  var n = owned.reduce(function (sum, t) { return sum + t.partitions.length; }, 0);
  return n + ' partition' + (n === 1 ? '' : 's');
}
function shareRows(m) {
  var out = [];
  m.regions.forEach(function (r) {
    (r.shares || []).forEach(function (s) {
      var w = s.workSharing;
      out.push([r.region, s.instance, !s.isReachable ? 'UNREACHABLE' : w ? w.state : 'none',
        w ? (w.isLeaseValid ? 'valid' : 'not valid') : '-', w ? partitionCount(w.owned) : '-',
        w ? partitionRanges(w.owned) : '-']);
    });
  });
  return out;
}
`;

/**
 * The browser's copy of `formatRegionState` (plain ES2017): a region's state in the page's regions table,
 * kept identical to the server's, which the unit test `region-state-status.test.ts` checks.
 */
export const REGION_STATE_SCRIPT = String.raw`
function regionStateText(s, nowMs) {
  if (!s) return '?';
  if (s.state !== 'failed-over' && s.state !== 'failing-back') return s.state;
  var since = s.since === null ? NaN : Date.parse(s.since);
  var ms = Math.max(0, nowMs - since);
  var age = ms < 60000 ? (ms / 1000).toFixed(1) + ' s' : ms < 3600000 ? Math.round(ms / 60000) + ' min' : (ms / 3600000).toFixed(1) + ' h';
  return s.state + ' ' + (s.state === 'failed-over' ? 'to' : 'from') + ' ' + (s.toRegion === null ? '?' : s.toRegion) +
    (isNaN(since) ? '' : ' (' + age + ')');
}
`;

/** The rest of the page's script: fetching, the tables, the refresh loop. */
const PAGE_SCRIPT = String.raw`
function age(ms) {
  if (ms < 0) return 'none yet';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 3600000) return Math.round(ms / 60000) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}
function rate(r) { return r === 0 ? '0/s' : (r >= 100 ? r.toFixed(0) : r.toFixed(1)) + '/s'; }
function rows(cells) {
  return cells.map(function (r) { return '<tr>' + r.map(function (c) { return '<td>' + esc(c) + '</td>'; }).join('') + '</tr>'; }).join('');
}
function titledRows(cells) {
  return cells.map(function (r) { return '<tr>' + r.map(function (c) { return '<td title="' + esc(c) + '">' + esc(c) + '</td>'; }).join('') + '</tr>'; }).join('');
}
function getJson(path) {
  return fetch(path, { cache: 'no-store' }).then(function (res) {
    if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
    return res.json();
  });
}
function keyRows(s) {
  var p = s.provenance;
  if (!p) return [];
  var others = p.acceptedKeyIds.filter(function (k) { return k !== p.currentKeyId; });
  return [['provenance key (tags with)', p.currentKeyId], ['also accepts', others.join(', ') || '-']].concat(
    p.peers.filter(function (x) { return x.mismatch; }).map(function (x) {
      return ['key mismatch with ' + x.region + ' (links paused)', x.mismatch];
    }));
}
function showSelf(s) {
  document.getElementById('self').innerHTML = rows([
    ['region', s.region], ['instance', s.instance], ['state', s.state], ['version', s.version],
    ['etcd registration', s.registration], ['gRPC', s.grpcAddress], ['HTTP', s.httpAddress],
    ['up for', age(s.reportedAtMs - s.startedAtMs)], ['last checkpoint', age(s.lastCheckpointAgeMs)],
    ['index runs', String(s.indexRuns)]
  ].concat(keyRows(s)).concat(s.workSharing ? [
    ['work sharing', s.workSharing.state + ', lease ' + (s.workSharing.isLeaseValid ? 'valid' : 'not valid') +
      ', ' + s.workSharing.workers.length + ' instance' + (s.workSharing.workers.length === 1 ? '' : 's')],
    ['owns', partitionCount(s.workSharing.owned) + (s.workSharing.owned.length ? ': ' + partitionRanges(s.workSharing.owned) : '')]
  ].concat(s.workSharing.lastError ? [['work sharing error', s.workSharing.lastError]] : []) : []));
  document.getElementById('self-links').innerHTML =
    '<tr><th>from</th><th>state</th><th>lag</th><th>rate</th><th>written</th><th>halted</th><th>not replicated</th></tr>' +
    rows(s.links.map(function (l) {
      return [l.fromRegion, l.state, String(l.lagRecords), rate(l.recordsPerSecond), String(l.recordsWritten), String(l.halted.length),
        l.unreplicated.length ? l.unreplicated.map(function (u) { return u.topic + '/' + u.partition + ' ' + u.reason; }).join(', ') : '0'];
    }));
  document.getElementById('self-paths').innerHTML = PATH_HEAD + rows(linkPathRows(s));
}
function showMesh(m) {
  document.getElementById('graph').innerHTML = drawMesh(m.graph);
  var answered = m.regions.filter(function (r) { return r.isReachable; }).length;
  document.getElementById('summary').textContent = answered + ' of ' + m.regions.length + ' region nodes answered · etcd ' +
    (m.etcd.isReachable ? m.etcd.instances + ' instances registered' : 'unreachable');
  document.getElementById('regions').innerHTML =
    '<tr><th>region</th><th>region state</th><th>node</th><th>instances in etcd</th></tr>' +
    titledRows(m.regions.map(function (r) {
      var s = r.regionState;
      return [r.region, regionStateText(s, m.generatedAtMs) +
        (s && s.groups.length ? ': ' + s.groups.join(', ') : '') + (s && s.error ? ': ' + s.error : ''),
        r.node ? r.node.state + ' (' + r.node.instance + ')' : 'unreachable: ' + (r.error || ''),
        r.instances === null ? '?' : r.instances.map(function (i) { return i.id; }).join(', ') || 'none'];
    }));
  var shares = shareRows(m);
  document.getElementById('shares-title').hidden = shares.length === 0;
  document.getElementById('shares').innerHTML = shares.length === 0 ? '' :
    '<tr><th>region</th><th>instance</th><th>work sharing</th><th>lease</th><th>owns</th><th>partitions</th></tr>' +
    titledRows(shares);
}
function refresh() {
  Promise.allSettled([getJson('/status.json'), getJson('/mesh.json')]).then(function (got) {
    if (got[0].status === 'fulfilled') showSelf(got[0].value);
    if (got[1].status === 'fulfilled') showMesh(got[1].value);
    var failed = got.filter(function (g) { return g.status === 'rejected'; }).map(function (g) { return String(g.reason); });
    document.getElementById('updated').textContent = (failed.length ? 'refresh failed: ' + failed.join('; ') + ' · ' : '') +
      'updated ' + new Date().toLocaleTimeString();
  });
}
refresh();
setInterval(refresh, REFRESH_MS);
`;

const STYLE = `
body{margin:0;font-family:system-ui,sans-serif;color:#222;background:#fafafa}
header{padding:10px 18px;background:#263238;color:#fff;display:flex;gap:18px;align-items:baseline}
header h1{font-size:18px;margin:0}#summary,#updated{font-size:13px;color:#cfd8dc}
main{display:flex;flex-wrap:wrap;gap:14px;padding:12px;align-items:flex-start}
#graph{background:#fff;border:1px solid #ddd;border-radius:6px;flex:1 1 520px;max-width:820px}#graph svg{display:block;width:100%;height:auto}
aside{flex:1 1 480px;min-width:0;overflow-x:auto;font-size:12px}aside h2{font-size:13px;margin:4px 0 6px}
table{border-collapse:collapse;margin-bottom:12px;width:100%;background:#fff}
td,th{border:1px solid #e0e0e0;padding:3px 6px;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:220px}
th{background:#eceff1}
`;

/** The header row of the links' paths table. */
const PATH_HEAD =
  '<tr><th>from</th><th>path</th><th>switches</th><th>WAN bytes</th><th>written bytes</th><th>WAN per written byte</th></tr>';

/** The status page's HTML. */
export function renderStatusPage(input: StatusPageInput): string {
  const { self, mesh } = input;
  const refreshMs = input.refreshMs ?? NODE_DEFAULTS.status.pageRefreshMs;
  const title = `geomesh · ${self.mesh} · ${self.region}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>geomesh · mesh ${escapeXml(self.mesh)} · seen from ${escapeXml(self.region)}</h1>`,
    '<span id="summary"></span><span id="updated"></span></header>',
    `<main><section id="graph">${renderMeshSvg(meshGraph(mesh))}</section>`,
    '<aside><h2>This node</h2><table id="self"></table>',
    '<h2>Its inbound links</h2><table id="self-links"></table>',
    '<h2>How they get their records</h2>',
    `<table id="self-paths">${PATH_HEAD}${linkPathRows(self)
      .map((row) => `<tr>${row.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
      .join('')}</table>`,
    '<h2>Regions</h2><table id="regions"></table>',
    '<h2 id="shares-title" hidden>Work sharing: partitions per instance</h2><table id="shares"></table></aside></main>',
    `<script>\nconst REFRESH_MS = ${Math.max(500, Math.floor(refreshMs))};\n` +
      `const PATH_HEAD = ${JSON.stringify(PATH_HEAD)};\n` +
      `${DRAW_MESH_SCRIPT}${SHARE_ROWS_SCRIPT}${REGION_STATE_SCRIPT}${LINK_PATH_ROWS_SCRIPT}${PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
