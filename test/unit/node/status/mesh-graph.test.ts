import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  HEALTH_COLORS,
  assembleMeshStatus,
  labelBox,
  meshGraph,
  renderMeshSvg,
  type MeshStatus,
  type NodeAnswer,
} from '../../../../node/status/index.ts';
import { fullMeshLayout, linkStatus, nodeStatus } from './fixtures.ts';

const NAMES = ['ap-south', 'eu-west', 'us-east', 'sa-east', 'af-south', 'me-<x&y>'];

/** A mesh of the first `n` names, each region reachable or not, links with the given lags and rates. */
function meshOf(n: number, reachable: readonly boolean[], lag: number, rate: number): MeshStatus {
  const names = NAMES.slice(0, n);
  const layout = fullMeshLayout(names);
  const answers = new Map<string, NodeAnswer>(
    names.map((name, i) => [
      name,
      reachable[i]
        ? {
            ok: true,
            status: nodeStatus(name, [], {
              links: names
                .filter((f) => f !== name)
                .map((f, j) => linkStatus(f, name, { lagRecords: lag + j, recordsPerSecond: rate })),
            }),
          }
        : { ok: false, error: 'unreachable' },
    ]),
  );
  return assembleMeshStatus(layout, answers, { ok: true, instances: [] }, 0);
}

const arbitraryMesh = fc
  .record({
    n: fc.integer({ min: 1, max: NAMES.length }),
    reachable: fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length }),
    lag: fc.nat(50_000),
    rate: fc.double({ min: 0, max: 1e5, noNaN: true }),
  })
  .map(({ n, reachable, lag, rate }) => meshOf(n, reachable, lag, rate));

describe('meshGraph', () => {
  it('gives every link one arrow, labelled with its lag and rate, coloured by its health (property)', () => {
    fc.assert(
      fc.property(arbitraryMesh, (mesh) => {
        const graph = meshGraph(mesh);
        assert.equal(graph.nodes.length, mesh.regions.length);
        assert.equal(graph.arrows.length, mesh.links.length);
        for (const link of mesh.links) {
          const arrows = graph.arrows.filter(
            (a) => a.fromRegion === link.fromRegion && a.toRegion === link.toRegion,
          );
          assert.equal(arrows.length, 1, `${link.fromRegion} → ${link.toRegion}`);
          const arrow = arrows[0]!;
          assert.equal(arrow.color, HEALTH_COLORS[link.health]);
          if (link.lagRecords === null) assert.equal(arrow.label, 'no report');
          else {
            assert.ok(arrow.label.startsWith(`lag ${link.lagRecords} · `), arrow.label);
            assert.match(arrow.label, /\d\/s/);
          }
        }
        for (const a of graph.arrows) {
          for (const [x, y] of [
            [a.x1, a.y1],
            [a.x2, a.y2],
            [a.labelX, a.labelY],
          ] as const) {
            assert.ok(
              x >= 0 && x <= graph.width && y >= 0 && y <= graph.height,
              `${a.fromRegion}→${a.toRegion} inside`,
            );
          }
        }
      }),
    );
  });

  it('keeps the two directions of a pair apart, and arrows outside the region circles', () => {
    const graph = meshGraph(meshOf(3, [true, true, true], 5, 1));
    const arrow = (from: string, to: string) =>
      graph.arrows.find((a) => a.fromRegion === from && a.toRegion === to)!;
    const there = arrow('ap-south', 'eu-west');
    const back = arrow('eu-west', 'ap-south');
    const mid = (a: typeof there) => [(a.x1 + a.x2) / 2, (a.y1 + a.y2) / 2] as const;
    const [mx1, my1] = mid(there);
    const [mx2, my2] = mid(back);
    assert.ok(Math.hypot(mx1 - mx2, my1 - my2) >= 8, 'parallel, not on top of each other');
    assert.ok(Math.hypot(there.labelX - back.labelX, there.labelY - back.labelY) >= 20, 'labels apart');
    for (const a of graph.arrows) {
      for (const node of graph.nodes) {
        assert.ok(Math.hypot(a.x2 - node.x, a.y2 - node.y) > node.r, 'the head ends outside every circle');
      }
    }
  });

  it('places no label over another or over a region in full meshes of up to 4 regions, even long labels', () => {
    for (let n = 2; n <= 4; n++) {
      const graph = meshGraph(meshOf(n, [true, true, true, true], 123_456, 98_765));
      const boxes = graph.arrows.map((a) => ({ id: `${a.fromRegion}→${a.toRegion}`, ...labelBox(a) }));
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          const meet = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
          assert.ok(!meet, `${n} regions: the labels of ${a.id} and ${b.id} overlap`);
        }
        for (const c of graph.nodes) {
          const x = Math.max(a.x0, Math.min(c.x, a.x1));
          const y = Math.max(a.y0, Math.min(c.y, a.y1));
          assert.ok(
            Math.hypot(x - c.x, y - c.y) >= c.r,
            `${n} regions: the label of ${a.id} covers ${c.region}`,
          );
        }
      }
    }
  });

  it('draws unreachable regions dashed and grey, and their inbound links as unknown', () => {
    const graph = meshGraph(meshOf(2, [true, false], 0, 0));
    const down = graph.nodes.find((n) => n.region === 'eu-west')!;
    assert.equal(down.health, 'unreachable');
    assert.ok(down.isDashed);
    assert.deepEqual(down.lines, ['eu-west', 'unreachable', '0 instances in etcd']);
    const inbound = graph.arrows.find((a) => a.toRegion === 'eu-west')!;
    assert.equal(inbound.health, 'unknown');
    assert.equal(inbound.label, 'no report');
    assert.equal(graph.arrows.find((a) => a.toRegion === 'ap-south')!.health, 'ok');
  });
});

describe('renderMeshSvg', () => {
  it('renders an arrow line and its label for every link, and every region, with text escaped', () => {
    const mesh = meshOf(6, [true, true, false, true, true, true], 42, 7.5);
    const svg = renderMeshSvg(meshGraph(mesh));
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<line class="arrow" /g) ?? []).length, mesh.links.length);
    assert.equal((svg.match(/<text class="arrow-label" /g) ?? []).length, mesh.links.length);
    assert.equal((svg.match(/<circle /g) ?? []).length, 6);
    for (const link of mesh.links) {
      const from = link.fromRegion.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      const to = link.toRegion.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      const group = new RegExp(
        `<g class="link link-${link.health}" data-from="${from}" data-to="${to}">(.*?)</g>`,
      ).exec(svg);
      assert.ok(group, `${link.fromRegion} → ${link.toRegion} has an arrow`);
      assert.match(
        group[1]!,
        link.lagRecords === null ? /no report/ : new RegExp(`lag ${link.lagRecords} · 7\\.5/s`),
      );
    }
    assert.ok(!svg.includes('me-<x&y>'), 'names are escaped');
    assert.ok(svg.includes('me-&#60;x&#38;y&#62;'));
    assert.doesNotMatch(svg, /href="http|src=/, 'no external assets');
  });
});
