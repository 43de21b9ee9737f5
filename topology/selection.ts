/**
 * Name selection for topics and consumer groups: include patterns minus exclude patterns, each pattern a
 * JavaScript regular expression matched against the whole name (anchored: `orders-.*` behaves as
 * `^(?:orders-.*)$`). Internal names are never selected, whatever the patterns say.
 */

/** Topics geomesh and Kafka keep for themselves: `__consumer_offsets`, `geomesh.index`, ... */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__') || topic.startsWith('geomesh.');
}

/** Consumer groups geomesh uses itself. */
export function isInternalGroup(group: string): boolean {
  return group.startsWith('geomesh.') || group.startsWith('__');
}

/** Compiles one pattern as a whole-name match; throws SyntaxError when it is not a valid regex. */
export function compilePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** A validated selection: `include` non-empty, every pattern compiles. */
export class Selection {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly #include: readonly RegExp[];
  readonly #exclude: readonly RegExp[];
  readonly #isInternal: (name: string) => boolean;

  constructor(include: readonly string[], exclude: readonly string[], isInternal: (name: string) => boolean) {
    this.include = Object.freeze([...include]);
    this.exclude = Object.freeze([...exclude]);
    this.#include = include.map(compilePattern);
    this.#exclude = exclude.map(compilePattern);
    this.#isInternal = isInternal;
    Object.freeze(this);
  }

  /** True when `name` is selected: not internal, matched by an include and by no exclude. */
  matches(name: string): boolean {
    if (this.#isInternal(name)) return false;
    return this.#include.some((re) => re.test(name)) && !this.#exclude.some((re) => re.test(name));
  }

  /** True when both selections are written the same (same patterns, in any order). */
  sameAs(other: Selection): boolean {
    return sameSet(this.include, other.include) && sameSet(this.exclude, other.exclude);
  }

  /** `include [a, b] exclude [c]`, for explanations. */
  describe(): string {
    const include = `include [${this.include.join(', ')}]`;
    return this.exclude.length === 0 ? include : `${include} exclude [${this.exclude.join(', ')}]`;
  }

  toJSON(): { include: string[]; exclude: string[] } {
    return { include: [...this.include], exclude: [...this.exclude] };
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

/**
 * Why a pattern list can select nothing useful, or undefined. A conservative check (regexes in general
 * cannot be compared): an include that only names internal topics, or an exclude that repeats the
 * include or matches everything.
 */
export function emptySelectionReason(
  include: readonly string[],
  exclude: readonly string[],
  internalPrefixes: readonly string[],
): string | undefined {
  if (include.length === 0) return 'the include list is empty, so nothing is selected';
  const matchesAll = (p: string) => compilesTo(p, ['', 'a', 'Z-9._x', 'geomesh-x']);
  if (exclude.some(matchesAll)) return 'an exclude pattern matches every name, so nothing is selected';
  const excluded = new Set(exclude);
  if (include.every((p) => excluded.has(p)))
    return 'every include pattern is also excluded, so nothing is selected';
  const literal = (p: string) => p.replace(/^\^/, '').replace(/\\\./g, '.');
  if (include.every((p) => internalPrefixes.some((prefix) => literal(p).startsWith(prefix)))) {
    return `every include pattern names internal names (starting ${internalPrefixes.join(' or ')}), which are never selected`;
  }
  return undefined;
}

function compilesTo(pattern: string, samples: readonly string[]): boolean {
  try {
    const re = compilePattern(pattern);
    return samples.every((s) => re.test(s));
  } catch {
    return false;
  }
}
