import { digest } from './canonical-json.ts';
import { cachedDigest } from './digest-cache.ts';

/**
 * The declared conditions of one model or tool call, as an adapter reports them. Content is never
 * here: prompts, instructions and schemas appear only as SHA-256 digests.
 */
export interface CallConditions {
  /** `ATTR_GEN_AI_PROVIDER_NAME`, e.g. `openai`. */
  provider: string;
  /** `ATTR_GEN_AI_OPERATION_NAME`, e.g. `chat`, `embeddings`, `execute_tool`. */
  operation: string;
  /** The model the caller asked for (`ATTR_GEN_AI_REQUEST_MODEL`), or the tool name for a tool call. */
  target?: string;
  /** Sampling and output parameters that change what the call may return (temperature, max tokens…). */
  parameters?: Record<string, unknown>;
  /** Digest of the system / developer instructions. */
  instructionsDigest?: string;
  /** Digest of the message template: roles and, for templated prompts, the template text. */
  templateDigest?: string;
  /** Digest of the tool definitions offered to the model. */
  toolsDigest?: string;
  /** Digest of the response schema (structured outputs). */
  schemaDigest?: string;
  /** The instrumented library and its version, e.g. `openai@7.57.0`. */
  library?: string;
  /** The adapter and its version, e.g. `@runproof/openai-adapter@0.1.0`. */
  adapter?: string;
  /** The step the call was made in, when inside `step()`; pairs calls when two manifests are diffed. */
  step?: string;
}

/** What a call turned out to run on, as the provider reported it. */
export interface ObservedConditions {
  /** The model that answered (`ATTR_GEN_AI_RESPONSE_MODEL`). */
  resolvedModel?: string;
  /** The provider's backend configuration fingerprint (`system_fingerprint`). */
  systemFingerprint?: string;
  /** Tools the model asked for or that ran. */
  toolsCalled?: readonly string[];
}

/** Everything a run was declared to execute under. Its digest is `ATTR_RUNPROOF_RUN_FINGERPRINT`. */
export interface DeclaredConditions {
  run: string;
  code: { version: string | null };
  runproof: string;
  policy: string | null;
  conditions: Record<string, unknown>;
  /** Each distinct call condition once, sorted by its digest: the fingerprint does not depend on how
   * many calls were made or in which order concurrent calls finished. */
  calls: CallConditions[];
}

/** What a run was observed to execute on. Its digest is `ATTR_RUNPROOF_RUN_OBSERVED_DIGEST`. */
export interface ObservedSummary {
  resolvedModels: string[];
  systemFingerprints: string[];
  toolsCalled: string[];
}

/** The record of what a run was: identity, declared and observed conditions, and their digests. */
export interface RunManifest {
  manifestVersion: 1;
  runId: string;
  attempt: number;
  continuation: string;
  fingerprint: string;
  observedDigest: string;
  declared: DeclaredConditions;
  observed: ObservedSummary;
}

/** One condition that differs between two manifests. */
export interface ManifestDifference {
  /** Where the condition lives, e.g. `declared.calls[chat gpt-4o-mini @ classify].parameters.temperature`. */
  path: string;
  kind: 'changed' | 'added' | 'removed';
  before?: unknown;
  after?: unknown;
}

/**
 * Builds a manifest and computes its digests.
 *
 * @example
 * const manifest = createManifest({ runId, attempt: 1, continuation: 'new', declared, observed });
 */
export function createManifest(
  input: Omit<RunManifest, 'manifestVersion' | 'fingerprint' | 'observedDigest'>,
): RunManifest {
  return {
    manifestVersion: 1,
    runId: input.runId,
    attempt: input.attempt,
    continuation: input.continuation,
    // Runs of the same code declare and observe the same conditions: cached by their JSON text.
    fingerprint: cachedDigest(input.declared),
    observedDigest: cachedDigest(input.observed),
    declared: input.declared,
    observed: input.observed,
  };
}

/**
 * Names exactly which conditions diverged between two runs. Identity fields (run id, attempt) and
 * the digests themselves are not conditions and are not reported. Calls are paired by step,
 * provider and operation, then by the most fields in common, so a changed temperature reads as one
 * changed parameter rather than a removed and an added call.
 *
 * @example
 * diffManifests(before, after)
 * // [{ path: 'declared.calls[chat gpt-4o-mini @ classify].parameters.temperature', kind: 'changed', before: 0, after: 0.7 }]
 */
export function diffManifests(a: RunManifest, b: RunManifest): ManifestDifference[] {
  const differences: ManifestDifference[] = [];
  const { calls: callsA, ...restA } = a.declared;
  const { calls: callsB, ...restB } = b.declared;
  diffValues('declared', restA, restB, differences);
  const callDifferences: ManifestDifference[] = [];
  diffCalls(callsA, callsB, callDifferences);
  differences.push(...callDifferences.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)));
  diffValues('observed', a.observed, b.observed, differences);
  return differences;
}

function diffCalls(before: CallConditions[], after: CallConditions[], out: ManifestDifference[]): void {
  const afterDigests = new Set(after.map((call) => digest(call)));
  const beforeDigests = new Set(before.map((call) => digest(call)));
  const removed = before.filter((call) => !afterDigests.has(digest(call)));
  const added = after.filter((call) => !beforeDigests.has(digest(call)));
  for (const call of removed) {
    const partner = pickPartner(call, added);
    if (partner === undefined) {
      out.push({ path: `declared.calls[${labelCall(call)}]`, kind: 'removed', before: call });
      continue;
    }
    added.splice(added.indexOf(partner), 1);
    diffValues(`declared.calls[${labelCall(call)}]`, call, partner, out);
  }
  for (const call of added) out.push({ path: `declared.calls[${labelCall(call)}]`, kind: 'added', after: call });
}

function pickPartner(call: CallConditions, candidates: CallConditions[]): CallConditions | undefined {
  let best: CallConditions | undefined;
  let bestScore = 0;
  for (const candidate of candidates) {
    if (candidate.provider !== call.provider || candidate.operation !== call.operation || candidate.step !== call.step)
      continue;
    const score = countEqualFields(call, candidate) + 1;
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

function countEqualFields(a: CallConditions, b: CallConditions): number {
  let count = 0;
  for (const key of Object.keys(a) as (keyof CallConditions)[]) {
    if (digest(a[key] ?? null) === digest(b[key] ?? null)) count += 1;
  }
  return count;
}

function labelCall(call: CallConditions): string {
  const target = call.target === undefined ? call.operation : `${call.operation} ${call.target}`;
  return call.step === undefined ? target : `${target} @ ${call.step}`;
}

function diffValues(path: string, before: unknown, after: unknown, out: ManifestDifference[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) {
      const inBefore = before[key] !== undefined;
      const inAfter = after[key] !== undefined;
      const childPath = `${path}.${key}`;
      if (inBefore && !inAfter) out.push({ path: childPath, kind: 'removed', before: before[key] });
      else if (!inBefore && inAfter) out.push({ path: childPath, kind: 'added', after: after[key] });
      else if (inBefore && inAfter) diffValues(childPath, before[key], after[key], out);
    }
    return;
  }
  if (digest(before ?? null) !== digest(after ?? null)) out.push({ path, kind: 'changed', before, after });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
