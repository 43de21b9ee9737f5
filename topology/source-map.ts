/**
 * Source positions for a parsed YAML document: from a path such as `['links', 2, 'to']` to the line and
 * column of that key or value, so every diagnostic can name where to look.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A path into the document: mapping keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** A 1-based position in the file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Looks up where paths of one document sit in its text. */
export class SourceMap {
  readonly #doc: Document;
  readonly #lineCounter: LineCounter;
  readonly #text: string;

  constructor(doc: Document, lineCounter: LineCounter, text: string) {
    this.#doc = doc;
    this.#lineCounter = lineCounter;
    this.#text = text;
  }

  /** Line and column of a character offset. */
  position(offset: number): SourcePosition {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where `path` is written: the key itself when `part` is `key`, else its value. When the path does not
   * exist (a missing field), the deepest part that does exist: the key of the mapping that lacks it.
   */
  locate(path: DocPath, part: 'key' | 'value' = 'value'): SourcePosition {
    return this.position(this.#offset(path, part));
  }

  /**
   * Where `needle` (e.g. `${US_EAST_PASSWORD}`) appears inside the scalar at `path`; the scalar's own
   * position when it cannot be found (a folded or escaped string).
   */
  locateWithin(path: DocPath, needle: string): SourcePosition {
    const node = this.#node(path);
    if (node?.range) {
      const [start, , end] = node.range;
      const index = this.#text.slice(start, end).indexOf(needle);
      if (index >= 0) return this.position(start + index);
    }
    return this.locate(path);
  }

  #node(path: DocPath): Node | undefined {
    let node: unknown = this.#doc.contents;
    for (const segment of path) {
      node = this.#deref(node);
      if (isMap(node)) {
        node = node.items.find(
          (pair) => isScalar(pair.key) && String(pair.key.value) === String(segment),
        )?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        return undefined;
      }
    }
    node = this.#deref(node);
    return isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
  }

  #offset(path: DocPath, part: 'key' | 'value'): number {
    let node: unknown = this.#doc.contents;
    let best = rangeStart(node) ?? 0;
    for (const [i, segment] of path.entries()) {
      const isLast = i === path.length - 1;
      node = this.#deref(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return best;
        best = rangeStart(pair.key) ?? best;
        if (isLast && part === 'key') return best;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
        best = rangeStart(this.#deref(node)) ?? best;
      } else {
        return best;
      }
      if (isLast) return rangeStart(this.#deref(node)) ?? best;
    }
    return best;
  }

  #deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isMap(node) || isSeq(node) || isScalar(node)) return node.range?.[0];
  return undefined;
}

/** A path as people read it: `regions.us-east.kafka.brokers[0]`, `links[2].to`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
