import { findBestMatch, isGlob, matchesGlob } from './glob.ts';
import { warnLoudly } from '../safely.ts';

/**
 * The keys of `start({ policies })` and of the config file's `policies` are run names or globs
 * (`*`, `?`), matched as `allowedModels` are: the key equal to the run name first, else the
 * matching glob with the most literal characters, else the first declared of those. A key that
 * matches nothing it was meant for — `Billing` for runs named `billing`, a typo — would leave runs
 * unguarded without a word, so a run name without a policy, while a key is nearly that name, is
 * said once, loudly.
 */

/**
 * The key of `policies` that applies to runs named `runName`, or `undefined` when none does (and
 * then a warning, once per name, when a key is nearly `runName`: see {@link findNearMiss}).
 *
 * @example
 * findPolicyKey({ 'invoice-*': {}, 'invoice-triage': {} }, 'invoice-intake') // 'invoice-*'
 */
export function findPolicyKey(policies: Readonly<Record<string, unknown>>, runName: string): string | undefined {
  if (Object.hasOwn(policies, runName)) return runName;
  // Looked up on every run, not cached: a later start() may add policies. A few keys cost little.
  const keys = Object.keys(policies);
  const key = findBestMatch(keys, runName);
  if (key !== undefined) return key;
  const nearMiss = findNearMiss(keys, runName);
  if (nearMiss !== undefined) {
    warnLoudly(
      `policy-near-miss:${runName}`,
      `runproof: runs named "${runName}" have no boundary policy, but policy key "${nearMiss}" is nearly that name. Policy keys match run names exactly (case included) or as globs (*, ?); if "${runName}" should be held to it, fix the key or the run name.`,
    );
  }
  return undefined;
}

/**
 * A key of `keys` that does not apply to `runName` but nearly does: equal or matching as a glob
 * when case is ignored, or (a name, not a glob) within a small edit distance of it, ignoring case
 * — one edit for names of 4 to 7 characters, two from 8 on; a swap of two neighbours is one edit.
 *
 * @example
 * findNearMiss(['invoice-triage'], 'invoice_triage') // 'invoice-triage'
 */
export function findNearMiss(keys: readonly string[], runName: string): string | undefined {
  const name = runName.toLowerCase();
  const allowed = name.length >= 8 ? 2 : name.length >= 4 ? 1 : 0;
  for (const key of keys) {
    const lowered = key.toLowerCase();
    if (isGlob(key) ? matchesGlob(lowered, name) : lowered === name || editDistance(lowered, name, allowed) <= allowed)
      return key;
  }
  return undefined;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`; any count above `limit`
 * is reported as `limit + 1`, which lets long, different names stop early.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Three rows of the dynamic-programming table: two back (for swaps), the previous and the current.
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, column) => column);
  for (let row = 1; row <= a.length; row += 1) {
    const current = [row];
    let smallest = row;
    for (let column = 1; column <= b.length; column += 1) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let distance = Math.min(previous[column]! + 1, current[column - 1]! + 1, previous[column - 1]! + cost);
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1])
        distance = Math.min(distance, twoBack[column - 2]! + 1);
      current.push(distance);
      smallest = Math.min(smallest, distance);
    }
    if (smallest > limit) return limit + 1;
    twoBack = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit + 1);
}
