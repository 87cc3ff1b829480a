import type { Attributes, Span } from '@opentelemetry/api';
import { getInstruments } from '../telemetry/instruments.ts';
import { globalSlot } from '../internal/global.ts';
import { safely } from '../safely.ts';
import {
  ATTR_RUNPROOF_DRIFT_BASELINE,
  ATTR_RUNPROOF_DRIFT_BASELINE_FIRST_SEEN,
  ATTR_RUNPROOF_DRIFT_BASELINE_SOURCE,
  ATTR_RUNPROOF_DRIFT_DETECTED,
  ATTR_RUNPROOF_DRIFT_FIELDS_ADDED,
  ATTR_RUNPROOF_DRIFT_FIELDS_REMOVED,
  ATTR_RUNPROOF_DRIFT_KIND,
  ATTR_RUNPROOF_DRIFT_OBSERVED,
  DRIFT_BASELINE_SOURCE_VALUE_PROCESS,
  DRIFT_BASELINE_SOURCE_VALUE_STORE,
  DRIFT_KIND_VALUE_OUTPUT_SHAPE,
  DRIFT_KIND_VALUE_RESOLVED_MODEL,
  DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT,
  EVENT_RUNPROOF_DRIFT,
} from '../semconv.ts';
import { sharedBaselines } from './fleet.ts';
import type { SharedBaselines } from './shared-baselines.ts';
import { compareFields } from './input-shape.ts';

/** What one call was observed to run on and return, compared against earlier calls with the same conditions. */
export interface DriftObservation {
  /** `ATTR_GEN_AI_RESPONSE_MODEL`: the snapshot that answered. */
  resolvedModel?: string | undefined;
  /** The provider's `system_fingerprint`. */
  systemFingerprint?: string | undefined;
  /** `ATTR_RUNPROOF_OUTPUT_SHAPE`: the digest of the output's structure. */
  outputShape?: string | undefined;
}

/** A baseline as this process keeps it: the last value it saw, since when, and (input shapes) its structure. */
interface LocalBaseline {
  value: string;
  firstSeen: number;
  shape?: unknown;
}

/** What {@link judgeDrift} compares. */
export interface Sighting {
  kind: string;
  value: string;
  /** The value's structure, for shapes this process describes (inputs): lists fields gained and lost. */
  shape?: unknown;
}

/**
 * Subjects remembered per process; past this, the one least recently used is forgotten (roughly:
 * one used at least once every 1 024 new subjects never is).
 */
const MAX_SUBJECTS = 2048;
/** Longest value kept or compared: model names and digests are far shorter. */
const MAX_VALUE = 256;
const SURROGATE = /[\uD800-\uDFFF]/;
/** A UTF-16 surrogate without its other half (what `String.prototype.toWellFormed` replaces). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A subject's baselines by kind, and its place in the order of use (see `localBaselines`). */
interface LocalSubject {
  byKind: Map<string, LocalBaseline>;
  stamp: number;
}

const local = globalSlot('drift-local-subjects', () => ({ subjects: new Map<string, LocalSubject>(), stamp: 0 }));

/**
 * For adapters: compares what a call observed with the baseline of its declared conditions (its
 * `ATTR_RUNPROOF_CALL_FINGERPRINT`). Each change — the provider moving an alias to a new snapshot, a
 * new backend fingerprint, an output of another structure — is an `EVENT_RUNPROOF_DRIFT` event on
 * the call's span with the baseline, when it was first seen, and the observed value;
 * `runproof.drift.detected=true`; and one `METRIC_RUNPROOF_DRIFT_EVENTS` count.
 *
 * Without a store, the baseline is the last value this process saw (a change is reported once and
 * becomes the baseline). With a store (`start({ store })`, `RUNPROOF_STORE`), it is the fleet's,
 * read from a cache that is never waited for (see `SharedBaselines`): each new value is reported
 * once per process against it, and it moves to a new value only under the documented rule.
 * Returns whether drift was reported.
 *
 * @example
 * detectDrift(span, callFingerprint, { resolvedModel: 'gpt-4o-mini-2025-07-18', systemFingerprint: 'fp_4fe6d1250b' });
 */
export function detectDrift(span: Span, callFingerprint: string, observed: DriftObservation): boolean {
  if (callFingerprint === '') return false;
  // A try/catch rather than `safely`: no closure per call. A failure goes through `safely` for its one log.
  try {
    const { resolvedModel, systemFingerprint, outputShape } = observed;
    const shared = sharedBaselines();
    if (resolvedModel === undefined && systemFingerprint === undefined && outputShape === undefined) return false;
    const byKind = localBaselines(callFingerprint);
    // The common case without a store: each value is this process's baseline for these conditions.
    if (
      shared === undefined &&
      isBaseline(byKind, DRIFT_KIND_VALUE_RESOLVED_MODEL, resolvedModel) &&
      isBaseline(byKind, DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT, systemFingerprint) &&
      isBaseline(byKind, DRIFT_KIND_VALUE_OUTPUT_SHAPE, outputShape)
    )
      return false;
    const now = Date.now();
    let drifted = false;
    if (resolvedModel !== undefined)
      drifted = judgeValue(span, callFingerprint, byKind, DRIFT_KIND_VALUE_RESOLVED_MODEL, resolvedModel, now, shared);
    if (
      systemFingerprint !== undefined &&
      judgeValue(span, callFingerprint, byKind, DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT, systemFingerprint, now, shared)
    )
      drifted = true;
    if (
      outputShape !== undefined &&
      judgeValue(span, callFingerprint, byKind, DRIFT_KIND_VALUE_OUTPUT_SHAPE, outputShape, now, shared)
    )
      drifted = true;
    return drifted;
  } catch (error) {
    return safely('detecting drift', false, () => {
      throw error;
    });
  }
}

/** Whether `value` is absent, or is the baseline this process keeps for the kind. */
function isBaseline(byKind: Map<string, LocalBaseline>, kind: string, value: string | undefined): boolean {
  return value === undefined || byKind.get(kind)?.value === value;
}

/**
 * Compares one sighting with its subject's baseline and reports a change on `span`; the fleet's
 * baseline when the store has answered for the subject, else this process's. Returns whether drift
 * was reported. For `detectDrift` and the input checks; call inside `safely`.
 */
export function judgeDrift(
  span: Span,
  subject: string,
  sighting: Sighting,
  now: number,
  shared: SharedBaselines | undefined,
  detail?: () => string | undefined,
): boolean {
  const { kind, value, shape } = sighting;
  return judgeValue(span, subject, localBaselines(subject), kind, value, now, shared, shape, detail);
}

/** {@link judgeDrift} with the subject's baselines in this process already looked up. */
function judgeValue(
  span: Span,
  subject: string,
  byKind: Map<string, LocalBaseline>,
  kind: string,
  observed: string,
  now: number,
  shared: SharedBaselines | undefined,
  shape?: unknown,
  detail?: () => string | undefined,
): boolean {
  const before = byKind.get(kind);
  // A value equal to the one kept needs no cleaning: `storable` returns what it made unchanged.
  const value = before?.value === observed ? observed : storable(observed);
  if (before === undefined || before.value !== value) byKind.set(kind, { value, firstSeen: now, shape });

  const verdict = shared?.compare(subject, kind, value, now, detail) ?? 'unknown';
  if (verdict === 'same') return false;
  if (verdict !== 'unknown') {
    const baselineShape =
      verdict.detail === undefined
        ? undefined
        : safely('reading a baseline shape', undefined, () => JSON.parse(verdict.detail!) as unknown);
    report(
      span,
      kind,
      shape,
      value,
      { value: verdict.value, firstSeen: verdict.firstSeen, shape: baselineShape },
      DRIFT_BASELINE_SOURCE_VALUE_STORE,
    );
    return true;
  }
  if (before === undefined || before.value === value) return false;
  if (shared !== undefined && !shared.firstReport(subject, kind, value)) return false;
  report(span, kind, shape, value, before, DRIFT_BASELINE_SOURCE_VALUE_PROCESS);
  return true;
}

/** A value as the baselines keep it: at most {@link MAX_VALUE} characters, text every store can hold. */
function storable(observed: string): string {
  let value = observed.length > MAX_VALUE ? observed.slice(0, MAX_VALUE) : observed;
  // What a provider sends is kept in stores whose text cannot hold U+0000.
  if (value.includes('\u0000')) value = value.replaceAll('\u0000', '\uFFFD');
  // Nor a lone surrogate (a name cut inside an emoji above, or sent so): each store keeps U+FFFD
  // instead, and the value read back would be drift against itself.
  if (SURROGATE.test(value)) value = value.replace(LONE_SURROGATE, '\uFFFD');
  return value;
}

function report(
  span: Span,
  kind: string,
  shape: unknown,
  observed: string,
  baseline: LocalBaseline,
  source: string,
): void {
  const attributes: Attributes = {
    [ATTR_RUNPROOF_DRIFT_KIND]: kind,
    [ATTR_RUNPROOF_DRIFT_BASELINE]: baseline.value,
    [ATTR_RUNPROOF_DRIFT_OBSERVED]: observed,
    [ATTR_RUNPROOF_DRIFT_BASELINE_FIRST_SEEN]: new Date(baseline.firstSeen).toISOString(),
    [ATTR_RUNPROOF_DRIFT_BASELINE_SOURCE]: source,
  };
  if (shape !== undefined && baseline.shape !== undefined) {
    const { added, removed } = compareFields(baseline.shape, shape);
    attributes[ATTR_RUNPROOF_DRIFT_FIELDS_ADDED] = added;
    attributes[ATTR_RUNPROOF_DRIFT_FIELDS_REMOVED] = removed;
  }
  span.addEvent(EVENT_RUNPROOF_DRIFT, attributes);
  span.setAttribute(ATTR_RUNPROOF_DRIFT_DETECTED, true);
  getInstruments().driftEvents.add(1, { [ATTR_RUNPROOF_DRIFT_KIND]: kind });
}

/**
 * A subject's baselines, remembered while it is in use: a subject used again once half the map was
 * renewed since it last moved goes to the newest end (a Map keeps insertion order), so the one
 * forgotten when the map is full is one not used for a while, never a busy one.
 */
function localBaselines(name: string): Map<string, LocalBaseline> {
  const { subjects } = local;
  let subject = subjects.get(name);
  if (subject === undefined) {
    if (subjects.size >= MAX_SUBJECTS) subjects.delete(subjects.keys().next().value!);
    subjects.set(name, (subject = { byKind: new Map(), stamp: ++local.stamp }));
  } else if (local.stamp - subject.stamp > MAX_SUBJECTS / 2) {
    subjects.delete(name);
    subjects.set(name, subject);
    subject.stamp = ++local.stamp;
  }
  return subject.byKind;
}
