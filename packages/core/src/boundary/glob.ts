/**
 * Name patterns for policies: `*` matches any run of characters (including none), `?` exactly one;
 * everything else matches itself. `gpt-4o*` matches `gpt-4o` and `gpt-4o-mini-2024-07-18`.
 */

const compiled = new Map<string, RegExp | string>();

/** Whether `pattern` has a wildcard, i.e. is not an exact name. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * Whether `name` matches `pattern` (exact, or a glob with `*` and `?`). Compiled patterns are cached.
 *
 * @example
 * matchesGlob('gpt-4o*', 'gpt-4o-mini') // true
 */
export function matchesGlob(pattern: string, name: string): boolean {
  let matcher = compiled.get(pattern);
  if (matcher === undefined) {
    matcher = isGlob(pattern) ? compile(pattern) : pattern;
    if (compiled.size < 1_000) compiled.set(pattern, matcher);
  }
  return typeof matcher === 'string' ? matcher === name : matcher.test(name);
}

/**
 * The pattern in `patterns` that best names `name`: an exact match first, then the matching glob
 * with the most literal characters (the most specific), then the first declared. `undefined` when
 * none matches.
 *
 * @example
 * findBestMatch(['*', 'gpt-4o*', 'gpt-4o-mini'], 'gpt-4o-mini-2024-07-18') // 'gpt-4o*'
 */
export function findBestMatch(patterns: Iterable<string>, name: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const pattern of patterns) {
    if (pattern === name) return pattern;
    if (!isGlob(pattern) || !matchesGlob(pattern, name)) continue;
    const score = pattern.replace(/[*?]/g, '').length;
    if (score > bestScore) {
      best = pattern;
      bestScore = score;
    }
  }
  return best;
}

function compile(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((character) =>
      character === '*' ? '.*' : character === '?' ? '.' : character.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's');
}
