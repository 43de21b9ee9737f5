import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DRAW_MESH_SCRIPT,
  LINK_PATH_ROWS_SCRIPT,
  linkPathRows,
  assembleMeshStatus,
  meshGraph,
  renderMeshSvg,
  renderStatusPage,
  type MeshGraph,
  type NodeAnswer,
} from '../../../../node/status/index.ts';
import { fullMeshLayout, linkStatus, nodeStatus } from './fixtures.ts';

function mesh(regions: readonly string[], reachable: (region: string) => boolean, lag = 3) {
  const answers = new Map<string, NodeAnswer>(
    regions.map((r) => [
      r,
      reachable(r)
        ? {
            ok: true,
            status: nodeStatus(r, [], {
              links: regions
                .filter((f) => f !== r)
                .map((f) => linkStatus(f, r, { lagRecords: lag, recordsPerSecond: 12.5 })),
            }),
          }
        : { ok: false, error: 'unreachable' },
    ]),
  );
  return assembleMeshStatus(fullMeshLayout(regions), answers, { ok: true, instances: [] }, 0);
}

/** The page script's drawMesh, run as the browser would run it. */
function browserDrawMesh(graph: MeshGraph): string {
  return runInNewContext(`${DRAW_MESH_SCRIPT}\ndrawMesh(graph);`, {
    graph: structuredClone(graph),
  }) as string;
}

describe('renderStatusPage', () => {
  it('is one self-contained HTML page with the mesh drawn as SVG, refreshing from /status.json and /mesh.json', () => {
    const regions = ['ap-south', 'eu-west', 'us-east'];
    const html = renderStatusPage({
      self: nodeStatus('eu-west', ['ap-south', 'us-east']),
      mesh: mesh(regions, () => true),
    });
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<title>geomesh · orders · eu-west<\/title>/);
    assert.match(html, /<section id="graph"><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const section = html.slice(html.indexOf('<section id="graph">'), html.indexOf('</section>'));
    assert.equal(
      (section.match(/<line class="arrow" /g) ?? []).length,
      6,
      'every link of the full mesh has an arrow',
    );
    assert.match(html, /getJson\('\/status\.json'\)/);
    assert.match(html, /getJson\('\/mesh\.json'\)/);
    assert.match(html, /const REFRESH_MS = 3000;/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external scripts, styles or images');
    assert.doesNotMatch(html, /@import|url\(http/i);
  });

  it('shows how each inbound link gets its records: path, switches, WAN bytes per written byte', () => {
    const self = nodeStatus('eu-west', [], {
      links: [
        linkStatus('ap-south', 'eu-west', {
          path: 'stream',
          pathSwitches: 2,
          wanBytes: 1_234,
          writtenBytes: 100_000,
          wanBytesPerWrittenByte: 0.01234,
        }),
        linkStatus('us-east', 'eu-west'),
      ],
    });
    assert.deepEqual(linkPathRows(self), [
      ['ap-south', 'stream', '2', '1234', '100000', '0.012'],
      ['us-east', 'pull', '0', '0', '0', '-'],
    ]);
    const html = renderStatusPage({ self, mesh: mesh(['eu-west'], () => true) });
    const table = html.slice(html.indexOf('<table id="self-paths">'));
    assert.match(
      table.slice(0, table.indexOf('</table>')),
      /<tr><td>ap-south<\/td><td>stream<\/td><td>2<\/td><td>1234<\/td><td>100000<\/td><td>0\.012<\/td><\/tr>/,
    );
    assert.match(html, /linkPathRows\(s\)/, 'the page script redraws the table');
  });

  it('escapes what it prints from the reports', () => {
    const html = renderStatusPage({
      self: nodeStatus('eu-west', [], { mesh: 'a<b' }),
      mesh: mesh(['eu-west'], () => true),
      refreshMs: 10,
    });
    assert.ok(!html.includes('a<b'));
    assert.match(html, /const REFRESH_MS = 500;/, 'refreshes no faster than twice a second');
  });
});

describe('the page script draws what the server draws', () => {
  it('linkPathRows(status) in the browser === linkPathRows(status) (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.constantFrom('a', 'b<c', 'd'),
            path: fc.constantFrom('stream', 'pull', ''),
            pathSwitches: fc.nat(1_000),
            wanBytes: fc.nat(),
            writtenBytes: fc.nat(),
          }),
          { maxLength: 4 },
        ),
        (links) => {
          const self = nodeStatus('eu-west', [], {
            links: links.map((l) =>
              linkStatus(l.from, 'eu-west', {
                path: l.path,
                pathSwitches: l.pathSwitches,
                wanBytes: l.wanBytes,
                writtenBytes: l.writtenBytes,
                wanBytesPerWrittenByte: l.writtenBytes > 0 ? l.wanBytes / l.writtenBytes : -1,
              }),
            ),
          });
          const browser = runInNewContext(
            `${LINK_PATH_ROWS_SCRIPT}\nJSON.stringify(linkPathRows(JSON.parse(selfJson)));`,
            { selfJson: JSON.stringify(self) },
          ) as string;
          assert.deepEqual(JSON.parse(browser), linkPathRows(self));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('drawMesh(graph) === renderMeshSvg(graph) for any mesh (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.nat(100_000),
        (n, up, lag) => {
          const regions = ['a', 'b&c', 'd"e', "f'g", 'h<i', 'j'].slice(0, n);
          const graph = meshGraph(mesh(regions, (r) => up[regions.indexOf(r)]!, lag));
          assert.equal(browserDrawMesh(graph), renderMeshSvg(graph));
        },
      ),
      { numRuns: 50 },
    );
  });
});
