import type { BaselineValue } from '../continuity/baselines.ts';
import { warnOnce } from '../safely.ts';

/**
 * Values kept per subject and kind: more seen within {@link VALUES_WINDOW_MILLIS} means the
 * "value" is data (an input keyed by ids), not a condition.
 */
export const MAX_VALUES = 32;
/**
 * Only values seen in this last week count toward {@link MAX_VALUES}: conditions change for good
 * over a subject's life (a provider rotates its backends' fingerprints every few weeks), and a
 * subject that had met 32 in all would otherwise neither record nor report a change ever again.
 */
export const VALUES_WINDOW_MILLIS = 7 * 24 * 3_600_000;

/** A value the store holds, as the fleet's cache keeps it. */
export interface KnownValue {
  value: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  detail?: string;
}

/** What the cache keeps of one subject and kind: its values (at most {@link MAX_VALUES}) and which is the baseline. */
export interface KindState {
  values: Map<string, KnownValue>;
  baseline: KnownValue | undefined;
}

/**
 * One subject's values as the store returned them, by kind: the baseline and the values seen most
 * recently, up to {@link MAX_VALUES} a kind.
 */
export function kindsOf(rows: readonly BaselineValue[]): Map<string, KindState> {
  const kinds = new Map<string, KindState>();
  for (const row of rows) {
    let state = kinds.get(row.kind);
    if (state === undefined) kinds.set(row.kind, (state = { values: new Map(), baseline: undefined }));
    const known: KnownValue = { value: row.value, firstSeen: row.firstSeen, lastSeen: row.lastSeen, count: row.count };
    if (row.detail !== undefined) known.detail = row.detail;
    state.values.set(row.value, known);
    if (row.baselineSince !== undefined) state.baseline = known;
  }
  for (const state of kinds.values()) if (state.values.size > MAX_VALUES) keepRecent(state);
  return kinds;
}

/** Whether a subject and kind has seen {@link MAX_VALUES} values within {@link VALUES_WINDOW_MILLIS}: a new one is data. */
export function isFull(state: KindState, now: number): boolean {
  if (state.values.size < MAX_VALUES) return false;
  let recent = 0;
  for (const value of state.values.values()) if (value.lastSeen >= now - VALUES_WINDOW_MILLIS) recent += 1;
  return recent >= MAX_VALUES;
}

/** Says once, through `diag`, that a kind's new values are neither kept nor reported. */
export function warnTooManyValues(kind: string): void {
  warnOnce(
    `drift-values:${kind}`,
    `runproof: a ${kind} baseline has more than ${MAX_VALUES} values (data rather than structure?); its new values are neither kept nor reported as drift`,
  );
}

/** The baseline and the values seen most recently, up to {@link MAX_VALUES} in all. */
function keepRecent(state: KindState): void {
  const recent = [...state.values.values()]
    .filter((value) => value !== state.baseline)
    .sort((a, b) => b.lastSeen - a.lastSeen);
  const kept = recent.slice(0, MAX_VALUES - (state.baseline === undefined ? 0 : 1));
  state.values = new Map(
    [...(state.baseline === undefined ? [] : [state.baseline]), ...kept].map((value) => [value.value, value]),
  );
}
