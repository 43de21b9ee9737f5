/**
 * Which groups a failover moves when the request names none (pure): the source region's groups (listed by
 * its node, or named by its last checkpoints when it does not answer) that the link from → to selects (its
 * `groups` patterns), narrowed by the request's include patterns and less its exclude patterns. A failback
 * that names none takes the groups the returning region's state records as moved out (`recorded`), narrowed
 * the same way. Patterns
 * have the topology's syntax: a JavaScript regular expression matched against the whole name.
 *
 * Every pattern must be useful: one that does not compile is GEOMESH_RPC_INVALID_ARGUMENT, one that matches
 * none of the groups it could narrow is GEOMESH_RPC_NOT_FOUND (a typo in `--exclude-group` would otherwise
 * move the group the operator meant to keep), with the pattern, where the groups came from and the fix.
 */
import { GeomeshError } from '../../base/index.ts';
import { compilePattern, didYouMean } from '../../topology/index.ts';

/** The include and exclude patterns of a request (`--group`, `--exclude-group`). */
export interface GroupPatterns {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** The source region's groups and where the list came from. */
export interface GroupListing {
  /** `recorded`: the groups a region's state in etcd records as moved out of it (a failback). */
  readonly source: 'live' | 'checkpoint' | 'recorded';
  readonly groups: readonly string[];
}

/** What selection needs of the topology: the link's group selection, described for messages. */
export interface LinkGroupSelection {
  /** True when the link from → to (or, without one, a link out of `from`) selects `group`. */
  selects(group: string): boolean;
  /** `the link east → west (groups include [.*])`, for messages. */
  readonly description: string;
}

interface CompiledPattern {
  readonly pattern: string;
  readonly field: string;
  readonly re: RegExp;
}

/** Compiles each pattern; throws GEOMESH_RPC_INVALID_ARGUMENT naming the first that does not compile. */
export function compileGroupPatterns(
  patterns: readonly string[],
  kind: 'include' | 'exclude',
): CompiledPattern[] {
  const [flag, field] =
    kind === 'include' ? ['--group', 'group_patterns'] : ['--exclude-group', 'exclude_group_patterns'];
  return patterns.map((pattern, i) => {
    const where = `${flag} pattern ${i + 1} (${field}[${i}])`;
    if (!pattern) {
      throw new GeomeshError(
        'GEOMESH_RPC_INVALID_ARGUMENT',
        `${where} is empty: give a pattern or leave it out`,
        {
          details: { field: where },
        },
      );
    }
    try {
      return { pattern, field: where, re: compilePattern(pattern) };
    } catch (err) {
      throw new GeomeshError(
        'GEOMESH_RPC_INVALID_ARGUMENT',
        `${where}: "${pattern}" is not a valid regular expression: ` +
          `${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}; ` +
          'patterns are JavaScript regular expressions matched against the whole group name',
        { details: { field: where, value: pattern } },
      );
    }
  });
}

/** True when some pattern matches `name`. */
function anyMatches(patterns: readonly CompiledPattern[], name: string): boolean {
  return patterns.some((p) => p.re.test(name));
}

function notFound(p: CompiledPattern, among: readonly string[], what: string): GeomeshError {
  const guess = didYouMean(p.pattern, among);
  return new GeomeshError(
    'GEOMESH_RPC_NOT_FOUND',
    `${p.field}: "${p.pattern}" matches none of the ${among.length} ${what}` +
      (guess ? `; did you mean "${guess}"?` : '') +
      ': fix the pattern (a regular expression matched against the whole name) or leave it out',
    { details: { field: p.field, value: p.pattern } },
  );
}

/** Named groups less the excluded ones; an exclude pattern that matches no named group is NOT_FOUND. */
export function excludeNamedGroups(groups: readonly string[], exclude: readonly string[]): string[] {
  const out = compileGroupPatterns(exclude, 'exclude');
  for (const p of out) if (!groups.some((g) => p.re.test(g))) throw notFound(p, groups, 'named groups');
  const left = groups.filter((g) => !anyMatches(out, g));
  if (left.length === 0) {
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `no group to move: the exclude patterns leave out all ${groups.length} named groups`,
    );
  }
  return left;
}

/**
 * The groups to move, sorted: see the file comment. `from` names the source region in messages. Throws
 * GEOMESH_RPC_NOT_FOUND when a pattern matches nothing or nothing is left to move.
 */
export function selectGroups(
  patterns: GroupPatterns,
  listing: GroupListing,
  link: LinkGroupSelection,
  from: string,
): string[] {
  const include = compileGroupPatterns(patterns.include, 'include');
  const exclude = compileGroupPatterns(patterns.exclude, 'exclude');
  const listed = [...new Set(listing.groups)].sort();
  const origin =
    listing.source === 'live'
      ? `listed by ${from}'s node`
      : listing.source === 'recorded'
        ? `recorded in etcd as moved out of ${from}`
        : `named by ${from}'s last checkpoints held here`;
  const candidates = listed.filter((g) => link.selects(g));
  const what = `groups of ${from} that ${link.description} selects (${origin})`;
  if (candidates.length === 0) {
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `no group to move: none of the ${listed.length} groups ${origin} is selected by ${link.description}: ` +
        `check the link's groups patterns in the topology, or name the groups`,
      { details: { region: from } },
    );
  }
  for (const p of include) if (!candidates.some((g) => p.re.test(g))) throw notFound(p, candidates, what);
  const included = include.length === 0 ? candidates : candidates.filter((g) => anyMatches(include, g));
  for (const p of exclude) if (!included.some((g) => p.re.test(g))) throw notFound(p, included, what);
  const selected = included.filter((g) => !anyMatches(exclude, g));
  if (selected.length === 0) {
    throw new GeomeshError(
      'GEOMESH_RPC_NOT_FOUND',
      `no group to move: the exclude patterns leave out all ${included.length} ${what}`,
      { details: { region: from } },
    );
  }
  return selected;
}
