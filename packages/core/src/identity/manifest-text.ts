import { canonicalize, sha256 } from './canonical-json.ts';
import type { CallConditions } from './manifest.ts';

/**
 * A run's manifest as its span records it, built as the run ends from pieces canonicalized once:
 * each distinct call's canonical JSON is kept by its fingerprint, the run's declared conditions
 * are canonicalized as the run starts, and the rest is a few short strings. The text is exactly
 * `canonicalize(createManifest(…))` and the digests exactly `createManifest`'s, for manifests of
 * plain JSON values (what every adapter reports); anything else takes `createManifest`'s path.
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
  /** `canonicalize(conditions)`, taken as the run started. */
  conditionsJson: string;
  /** Each distinct call's conditions by its fingerprint. */
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

/** Canonical JSON of call conditions by their fingerprint: a call repeats run after run. */
const callJsonByFingerprint = new Map<string, string>();
const MAX_CALLS = 4096;

/** The canonical JSON of one call's conditions, or `undefined` when they are not plain JSON. */
function callJson(fingerprint: string, call: CallConditions): string | undefined {
  let json = callJsonByFingerprint.get(fingerprint);
  if (json !== undefined) return json;
  if (!isPlainJsonValue(call)) return undefined;
  json = canonicalize(call);
  // A fingerprint is the digest of this very text, so a stale entry cannot exist: full means clear.
  if (callJsonByFingerprint.size >= MAX_CALLS) callJsonByFingerprint.clear();
  callJsonByFingerprint.set(fingerprint, json);
  return json;
}

/** Digests of recent observed texts: runs of the same code observe the same models. */
const digestsByJson = new Map<string, string>();
const MAX_DIGESTS = 256;

function digestOfJson(json: string): string {
  let known = digestsByJson.get(json);
  if (known === undefined) {
    known = sha256(json);
    if (digestsByJson.size >= MAX_DIGESTS) digestsByJson.clear();
    digestsByJson.set(json, known);
  }
  return known;
}

function compareFingerprints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted JSON array of strings, as canonical JSON writes it. */
function stringArrayJson(values: ReadonlySet<string>): string {
  if (values.size === 0) return '[]';
  const sorted = [...values].sort();
  let text = '[';
  for (let index = 0; index < sorted.length; index += 1) {
    if (index > 0) text += ',';
    text += JSON.stringify(sorted[index]);
  }
  return `${text}]`;
}

/**
 * The manifest's canonical JSON and digests from its parts, or `undefined` when a call's conditions
 * are not plain JSON (then `createManifest` and `canonicalize` decide what they are).
 *
 * @example
 * const record = manifestRecord(parts); // span.setAttribute(ATTR_RUNPROOF_RUN_FINGERPRINT, record.fingerprint)
 */
export function manifestRecord(parts: ManifestParts): ManifestRecord | undefined {
  const declared = declaredRecord(parts);
  if (declared === undefined) return undefined;
  const observed =
    `{"resolvedModels":${stringArrayJson(parts.resolvedModels)},` +
    `"systemFingerprints":${stringArrayJson(parts.systemFingerprints)},` +
    `"toolsCalled":${stringArrayJson(parts.toolsCalled)}}`;
  const observedDigest = digestOfJson(observed);
  // Members in canonical order: attempt, continuation, declared, fingerprint, manifestVersion, observed, observedDigest, runId.
  const json =
    `{"attempt":${JSON.stringify(parts.attempt)},"continuation":${JSON.stringify(parts.continuation)},` +
    `"declared":${declared.json},"fingerprint":"${declared.digest}","manifestVersion":1,` +
    `"observed":${observed},"observedDigest":"${observedDigest}","runId":${JSON.stringify(parts.runId)}}`;
  return { fingerprint: declared.digest, observedDigest, json };
}

/** The declared conditions of a run name's last run, with their canonical JSON and digest. */
interface DeclaredRecord {
  runproof: string;
  codeVersion: string | null;
  policy: string | null;
  conditionsJson: string;
  fingerprints: string[];
  json: string;
  digest: string;
}

/** Runs of the same name usually declare what the last one did: its text and digest are reused as they are. */
const lastDeclaredByRun = new Map<string, DeclaredRecord>();
const MAX_RUN_NAMES = 256;

function declaredRecord(parts: ManifestParts): DeclaredRecord | undefined {
  // Calls sorted by fingerprint, as `DeclaredConditions.calls` is.
  const fingerprints = [...parts.calls.keys()].sort(compareFingerprints);
  const last = lastDeclaredByRun.get(parts.run);
  if (
    last !== undefined &&
    last.conditionsJson === parts.conditionsJson &&
    last.policy === parts.policy &&
    last.codeVersion === parts.codeVersion &&
    last.runproof === parts.runproof &&
    sameStrings(last.fingerprints, fingerprints)
  )
    return last;
  let calls = '[';
  for (let index = 0; index < fingerprints.length; index += 1) {
    const fingerprint = fingerprints[index]!;
    const json = callJson(fingerprint, parts.calls.get(fingerprint)!);
    if (json === undefined) return undefined;
    if (index > 0) calls += ',';
    calls += json;
  }
  calls += ']';
  // Members in canonical (UTF-16) order: calls, code, conditions, policy, run, runproof.
  const json =
    `{"calls":${calls},"code":{"version":${nullableString(parts.codeVersion)}},` +
    `"conditions":${parts.conditionsJson},"policy":${nullableString(parts.policy)},` +
    `"run":${JSON.stringify(parts.run)},"runproof":${JSON.stringify(parts.runproof)}}`;
  const record: DeclaredRecord = {
    runproof: parts.runproof,
    codeVersion: parts.codeVersion,
    policy: parts.policy,
    conditionsJson: parts.conditionsJson,
    fingerprints,
    json,
    digest: sha256(json),
  };
  if (lastDeclaredByRun.size >= MAX_RUN_NAMES) lastDeclaredByRun.clear();
  lastDeclaredByRun.set(parts.run, record);
  return record;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

function nullableString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}
