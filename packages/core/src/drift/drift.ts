import type { Span } from '@opentelemetry/api';
import { getInstruments } from '../telemetry/instruments.ts';
import { globalSlot } from '../internal/global.ts';
import { safely } from '../safely.ts';
import {
  ATTR_RUNPROOF_DRIFT_BASELINE,
  ATTR_RUNPROOF_DRIFT_DETECTED,
  ATTR_RUNPROOF_DRIFT_KIND,
  ATTR_RUNPROOF_DRIFT_OBSERVED,
  DRIFT_KIND_VALUE_OUTPUT_SHAPE,
  DRIFT_KIND_VALUE_RESOLVED_MODEL,
  DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT,
  EVENT_RUNPROOF_DRIFT,
} from '../semconv.ts';

/** What one call was observed to run on and return, compared against earlier calls with the same conditions. */
export interface DriftObservation {
  /** `ATTR_GEN_AI_RESPONSE_MODEL`: the snapshot that answered. */
  resolvedModel?: string | undefined;
  /** The provider's `system_fingerprint`. */
  systemFingerprint?: string | undefined;
  /** `ATTR_RUNPROOF_OUTPUT_SHAPE`: the digest of the output's structure. */
  outputShape?: string | undefined;
}

type Baseline = { resolvedModel?: string; systemFingerprint?: string; outputShape?: string };

/** Call fingerprints remembered per process; past this, the first remembered is forgotten. */
const MAX_BASELINES = 2048;

const KINDS = [
  ['resolvedModel', DRIFT_KIND_VALUE_RESOLVED_MODEL],
  ['systemFingerprint', DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT],
  ['outputShape', DRIFT_KIND_VALUE_OUTPUT_SHAPE],
] as const;

const baselines = globalSlot('drift-baselines', () => new Map<string, Baseline>());

/**
 * For adapters: compares what a call observed with the last call of the same declared conditions
 * (the same `ATTR_RUNPROOF_CALL_FINGERPRINT`) in this process. Each change — the provider moving an
 * alias to a new snapshot, a new backend fingerprint, an output of another structure — is a
 * `EVENT_RUNPROOF_DRIFT` event on the call's span with the baseline and the observed value,
 * `runproof.drift.detected=true`, and one `METRIC_RUNPROOF_DRIFT_EVENTS` count. The new value becomes the
 * baseline, so a change is reported once. Returns whether drift was seen.
 *
 * @example
 * detectDrift(span, callFingerprint, { resolvedModel: 'gpt-4o-mini-2025-07-18', systemFingerprint: 'fp_4fe6d1250b' });
 */
export function detectDrift(span: Span, callFingerprint: string, observed: DriftObservation): boolean {
  if (callFingerprint === '') return false;
  return safely('detecting drift', false, () => {
    const baseline = baselines.get(callFingerprint);
    if (baseline === undefined) {
      if (baselines.size >= MAX_BASELINES) baselines.delete(baselines.keys().next().value!);
      baselines.set(callFingerprint, { ...defined(observed) });
      return false;
    }
    let drifted = false;
    for (const [field, kind] of KINDS) {
      const value = observed[field];
      if (value === undefined) continue;
      const before = baseline[field];
      baseline[field] = value;
      if (before === undefined || before === value) continue;
      drifted = true;
      span.addEvent(EVENT_RUNPROOF_DRIFT, { [ATTR_RUNPROOF_DRIFT_KIND]: kind, [ATTR_RUNPROOF_DRIFT_BASELINE]: before, [ATTR_RUNPROOF_DRIFT_OBSERVED]: value });
      getInstruments().driftEvents.add(1, { [ATTR_RUNPROOF_DRIFT_KIND]: kind });
    }
    if (drifted) span.setAttribute(ATTR_RUNPROOF_DRIFT_DETECTED, true);
    return drifted;
  });
}

function defined(observed: DriftObservation): Baseline {
  const baseline: Baseline = {};
  for (const [field] of KINDS) if (observed[field] !== undefined) baseline[field] = observed[field];
  return baseline;
}
