/**
 * Identifiers the simulated API hands out: object ids, dated snapshot model names and system
 * fingerprints. Ids are random like the real API's; snapshot names and fingerprints are derived
 * from the model name so the same conditions always report the same values.
 */
import { createHash, randomBytes } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id such as `chatcmpl-Bq3…` or `call_x9…` (alphanumeric, like the real API's). */
export function createId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/** A random lowercase hex string, for `req_…` request ids and `resp_…`/`msg_…` item ids. */
export function createHexId(prefix: string, bytes = 16): string {
  return prefix + randomBytes(bytes).toString('hex');
}

// The snapshots the real API reports for its aliases at the time of writing.
const SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-4-turbo': 'gpt-4-turbo-2024-04-09',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
  o1: 'o1-2024-12-17',
  o3: 'o3-2025-04-16',
  'o3-mini': 'o3-mini-2025-01-31',
  'o4-mini': 'o4-mini-2025-04-16',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
};

const DATED_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{4})$/;

/**
 * The model name a response reports for a requested model: the dated snapshot of an alias
 * (`gpt-4o-mini` → `gpt-4o-mini-2024-07-18`), unchanged when it already looks dated, and an
 * invented `-2025-01-01` snapshot for unknown aliases.
 */
export function resolveSnapshotModel(requested: string): string {
  if (DATED_SUFFIX.test(requested)) return requested;
  return SNAPSHOTS[requested] ?? `${requested}-2025-01-01`;
}

/** Whether the model spends reasoning tokens (o-series and gpt-5 families). */
export function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

const fingerprints = new Map<string, string>();

/** `fp_` + 10 hex characters, stable per resolved model (the real API's differ per model). */
export function defaultSystemFingerprint(model: string): string {
  let fingerprint = fingerprints.get(model);
  if (fingerprint === undefined) {
    fingerprint = 'fp_' + createHash('sha256').update(model).digest('hex').slice(0, 10);
    fingerprints.set(model, fingerprint);
  }
  return fingerprint;
}

/** FNV-1a 32-bit hash: a cheap deterministic seed for generated text and vectors. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
