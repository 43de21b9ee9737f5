/**
 * How each inbound link of a node gets its source's records, as the status page shows them
 * (docs/record-stream.md): the path in use (`stream`: the source region's node sends what this region needs;
 * `pull`: this node reads the source cluster), how often it switched path, and the bytes it received over the
 * WAN per byte it wrote (`-` while it wrote nothing). `LINK_PATH_ROWS_SCRIPT` is the page script's copy of
 * `linkPathRows` (plain ES2017); the unit test `status-page.test.ts` checks both give the same rows.
 */
import type { NodeStatus } from './status-types.ts';

/** WAN bytes per written byte, three decimals; `-` while nothing was written. */
export function formatWanPerWritten(ratio: number | null): string {
  return ratio === null || ratio < 0 ? '-' : ratio.toFixed(3);
}

/** [from, path, switches, WAN bytes, written bytes, WAN bytes per written byte] per inbound link. */
export function linkPathRows(status: NodeStatus): string[][] {
  return status.links.map((l) => [
    l.fromRegion,
    l.path || '?',
    String(l.pathSwitches),
    String(l.wanBytes),
    String(l.writtenBytes),
    formatWanPerWritten(l.wanBytesPerWrittenByte),
  ]);
}

/** The page script's copy of `formatWanPerWritten` and `linkPathRows`. */
export const LINK_PATH_ROWS_SCRIPT = String.raw`
function formatWanPerWritten(ratio) { return ratio === null || ratio < 0 ? '-' : ratio.toFixed(3); }
function linkPathRows(s) {
  return s.links.map(function (l) {
    return [l.fromRegion, l.path || '?', String(l.pathSwitches), String(l.wanBytes), String(l.writtenBytes),
      formatWanPerWritten(l.wanBytesPerWrittenByte)];
  });
}
`;
