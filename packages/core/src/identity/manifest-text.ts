import { canonicalize, sha256 } from './canonical-json.ts';
import type { CallConditions } from './manifest.ts';

/**
 * A run's manifest as its span records it, built as the run ends from pieces canonicalized once:
 * each distinct call's canonical JSON is kept by its fingerprint, the run's declared conditions
 * are canonicalized as the run starts, and the rest is a few short strings. The text is exactly
 * `canonicalize(createManifest(…))` and the digests exactly `createManifest`'s, for manifests of
 * plain JSON values (what every adapter reports); the run state sends anything else the way of
 * `createManifest`.
 */

/** The canonical JSON of a manifest and its two digests (`ATTR_RUNPROOF_RUN_FINGERPRINT`, `ATTR_RUNPROOF_RUN_OBSERVED_DIGEST`). */
export interface ManifestRecord {
  fingerprint: string;
  observedDigest: string;
  json: string;
}

/** The parts of a manifest a run keeps while it runs. */
export interface ManifestParts {
  runId: string;
  attempt: number;
  continuation: string;
  run: string;
  codeVersion: string | null;
  runproof: string;
  policy: string | null;
  /** `canonicalize(conditions)`, taken as the run started; the conditions are plain JSON. */
  conditionsJson: string;
  /** Each distinct call's conditions by its fingerprint; all plain JSON. */
  calls: ReadonlyMap<string, CallConditions>;
  resolvedModels: ReadonlySet<string>;
  systemFingerprints: ReadonlySet<string>;
  toolsCalled: ReadonlySet<string>;
}

/**
 * Whether `value` holds only plain JSON: plain objects and arrays, strings, finite numbers,
 * booleans and null (undefined members are left out). For such a value canonical JSON and JSON's
 * round trip agree, so the digest `cachedDigest` gives it is SHA-256 of its canonical JSON, and the
 * same digest always means the same canonical text.
 */
export function isPlainJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJsonValue(item)) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (Object.hasOwn(value, key) && !isPlainJsonValue((value as Record<string, unknown>)[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Canonical JSON of plain run conditions by their JSON text: a run declares the same conditions run after run. */
const conditionsJsonByText = new Map<string, string>();
const MAX_CONDITIONS = 256;
const MAX_CACHED_CONDITIONS_CHARACTERS = 4096;

/**
 * The canonical JSON of a run's conditions, which are plain JSON ({@link isPlainJsonValue}). For
 * plain values equal JSON text means equal canonical JSON, so `JSON.stringify` (native, fast) finds
 * the canonical text of conditions seen before.
 */
export function plainConditionsJson(conditions: object): string {
  const text = JSON.stringify(conditions);
  let json = conditionsJsonByText.get(text);
  if (json !== undefined) return json;
  json = canonicalize(conditions);
  if (text.length > MAX_CACHED_CONDITIONS_CHARACTERS) return json;
  if (conditionsJsonByText.size >= MAX_CONDITIONS) conditionsJsonByText.clear();
  conditionsJsonByText.set(text, json);
  return json;
}

/** Canonical JSON of call conditions by their fingerprint: a call repeats run after run. */
const callJsonByFingerprint = new Map<string, string>();
const MAX_CALLS = 4096;

/** The canonical JSON of one call's conditions, which are plain JSON. */
function callJson(fingerprint: string, call: CallConditions): string {
  let json = callJsonByFingerprint.get(fingerprint);
  if (json !== undefined) return json;
  json = canonicalize(call);
  // A fingerprint is the digest of this very text, so a stale entry cannot exist: full means clear.
  if (callJsonByFingerprint.size >= MAX_CALLS) callJsonByFingerprint.clear();
  callJsonByFingerprint.set(fingerprint, json);
  return json;
}

/** A sorted JSON array of strings, as canonical JSON writes it. */
function stringArrayJson(sorted: readonly string[]): string {
  let text = '[';
  for (let index = 0; index < sorted.length; index += 1) {
    if (index > 0) text += ',';
    text += JSON.stringify(sorted[index]);
  }
  return `${text}]`;
}

/** Whether a set (or a map's keys) is exactly the strings of a list without repeats: no sorting, nothing allocated. */
function holdsExactly(set: { readonly size: number; has(key: string): boolean }, list: readonly string[]): boolean {
  if (set.size !== list.length) return false;
  for (let index = 0; index < list.length; index += 1) if (!set.has(list[index]!)) return false;
  return true;
}

/**
 * The manifest's canonical JSON and digests from its parts, whose conditions and calls are all
 * plain JSON ({@link isPlainJsonValue}; for others `createManifest` and `canonicalize` decide).
 *
 * @example
 * const record = manifestRecord(parts); // span.setAttribute(ATTR_RUNPROOF_RUN_FINGERPRINT, record.fingerprint)
 */
export function manifestRecord(parts: ManifestParts): ManifestRecord {
  const last = lastRecordsByRun.get(parts.run);
  const declared = declaredRecord(parts, last?.declared);
  const observed = observedRecord(parts, last?.observed);
  if (last === undefined || last.declared !== declared || last.observed !== observed) {
    if (lastRecordsByRun.size >= MAX_RUN_NAMES) lastRecordsByRun.clear();
    lastRecordsByRun.set(parts.run, { declared, observed });
  }
  // Members in canonical order: attempt, continuation, declared, fingerprint, manifestVersion, observed, observedDigest, runId.
  const json =
    `{"attempt":${JSON.stringify(parts.attempt)},"continuation":${JSON.stringify(parts.continuation)},` +
    `"declared":${declared.json},"fingerprint":"${declared.digest}","manifestVersion":1,` +
    `"observed":${observed.json},"observedDigest":"${observed.digest}","runId":${JSON.stringify(parts.runId)}}`;
  return { fingerprint: declared.digest, observedDigest: observed.digest, json };
}

/** The declared conditions of a run, with their canonical JSON and digest. */
interface DeclaredRecord {
  runproof: string;
  codeVersion: string | null;
  policy: string | null;
  conditionsJson: string;
  /** The calls' fingerprints, sorted (as `DeclaredConditions.calls` is). */
  fingerprints: string[];
  json: string;
  digest: string;
}

/** The observed conditions of a run, sorted, with their canonical JSON and digest. */
interface ObservedRecord {
  resolvedModels: string[];
  systemFingerprints: string[];
  toolsCalled: string[];
  json: string;
  digest: string;
}

/**
 * What the last run of each name declared and observed. Runs of the same name usually repeat
 * them: then their text and digests are reused as they are, with no sorting, text or hashing.
 */
const lastRecordsByRun = new Map<string, { declared: DeclaredRecord; observed: ObservedRecord }>();
const MAX_RUN_NAMES = 256;

function declaredRecord(parts: ManifestParts, last: DeclaredRecord | undefined): DeclaredRecord {
  if (
    last !== undefined &&
    last.conditionsJson === parts.conditionsJson &&
    last.policy === parts.policy &&
    last.codeVersion === parts.codeVersion &&
    last.runproof === parts.runproof &&
    holdsExactly(parts.calls, last.fingerprints)
  )
    return last;
  const fingerprints = [...parts.calls.keys()].sort(compareFingerprints);
  let calls = '[';
  for (let index = 0; index < fingerprints.length; index += 1) {
    const fingerprint = fingerprints[index]!;
    if (index > 0) calls += ',';
    calls += callJson(fingerprint, parts.calls.get(fingerprint)!);
  }
  calls += ']';
  // Members in canonical (UTF-16) order: calls, code, conditions, policy, run, runproof.
  const json =
    `{"calls":${calls},"code":{"version":${nullableString(parts.codeVersion)}},` +
    `"conditions":${parts.conditionsJson},"policy":${nullableString(parts.policy)},` +
    `"run":${JSON.stringify(parts.run)},"runproof":${JSON.stringify(parts.runproof)}}`;
  return {
    runproof: parts.runproof,
    codeVersion: parts.codeVersion,
    policy: parts.policy,
    conditionsJson: parts.conditionsJson,
    fingerprints,
    json,
    digest: sha256(json),
  };
}

function observedRecord(parts: ManifestParts, last: ObservedRecord | undefined): ObservedRecord {
  if (
    last !== undefined &&
    holdsExactly(parts.resolvedModels, last.resolvedModels) &&
    holdsExactly(parts.systemFingerprints, last.systemFingerprints) &&
    holdsExactly(parts.toolsCalled, last.toolsCalled)
  )
    return last;
  // Default sort compares UTF-16 code units, as `RunState.manifest()` sorts them.
  const resolvedModels = [...parts.resolvedModels].sort();
  const systemFingerprints = [...parts.systemFingerprints].sort();
  const toolsCalled = [...parts.toolsCalled].sort();
  // Members in canonical order: resolvedModels, systemFingerprints, toolsCalled.
  const json =
    `{"resolvedModels":${stringArrayJson(resolvedModels)},` +
    `"systemFingerprints":${stringArrayJson(systemFingerprints)},` +
    `"toolsCalled":${stringArrayJson(toolsCalled)}}`;
  return { resolvedModels, systemFingerprints, toolsCalled, json, digest: sha256(json) };
}

function compareFingerprints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nullableString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}
