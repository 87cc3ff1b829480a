/** What a fleet-wide baseline rule reads of each value the store holds for a subject and kind. */
export interface SeenValue {
  value: string;
  /** Epoch milliseconds. */
  firstSeen: number;
  lastSeen: number;
  count: number;
}

/**
 * When a value replaces the baseline of its subject and kind in the store: it has been seen at
 * least `calls` times, over at least `millis` (from its first sighting to its last), and no other
 * value — the old baseline included — was seen during the last `millis` before its last sighting.
 * A provider that moved an alias for good settles after `millis`; an upstream flapping between two
 * values never settles, so every process keeps reporting the newer value against the old baseline
 * (once each) and the inventory shows both values seen recently.
 */
export interface BaselineRule {
  calls: number;
  millis: number;
}

/** The rule in force: 10 calls over 10 minutes, and the old value unseen for those 10 minutes. */
export const BASELINE_RULE: BaselineRule = { calls: 10, millis: 10 * 60_000 };

/**
 * The value that should replace `baseline` under `rule`, if one has settled. At most one can: it
 * must be the last seen of all by `millis`.
 *
 * @example
 * nextBaseline([{ value: 'gpt-4o-mini-2024-07-18', firstSeen: 0, lastSeen: 60_000, count: 40 },
 *               { value: 'gpt-4o-mini-2025-07-18', firstSeen: 61_000, lastSeen: 1_300_000, count: 25 }], 'gpt-4o-mini-2024-07-18')
 * // 'gpt-4o-mini-2025-07-18'
 */
export function nextBaseline(
  values: readonly SeenValue[],
  baseline: string,
  rule: BaselineRule = BASELINE_RULE,
): string | undefined {
  for (const candidate of values) {
    if (
      candidate.value === baseline ||
      candidate.count < rule.calls ||
      candidate.lastSeen - candidate.firstSeen < rule.millis
    )
      continue;
    const quietSince = candidate.lastSeen - rule.millis;
    if (values.every((other) => other === candidate || other.lastSeen <= quietSince)) return candidate.value;
  }
  return undefined;
}
