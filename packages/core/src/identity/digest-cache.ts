import { digest } from './canonical-json.ts';

/** Whether JSON keeps `value` as it is: no non-finite numbers, functions, symbols or bigints (checked without a `JSON.stringify` replacer, which would leave V8's fast path). */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value);
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      if (value === null) return true;
      for (const member of Array.isArray(value) ? value : Object.values(value)) if (!isPlainJson(member)) return false;
      return true;
    default:
      return false;
  }
}

/**
 * Digests of values {@link freezeWithDigest} froze: nothing in them can change, so the object
 * itself is the key — no JSON text is built for them again.
 */
const digestsByIdentity = new WeakMap<object, string>();

/** Digests of recently seen values, by their plain JSON: the hot path skips canonical JSON and SHA-256. */
const digestsByJson = new Map<string, string>();
/** Bound on the cached JSON text, so large tool lists or schemas cannot hold much memory. */
const MAX_CACHED_JSON_CHARACTERS = 4 * 1024 * 1024;
let cachedJsonCharacters = 0;

/**
 * The digest of a value as JSON carries it (SHA-256 of the RFC 8785 canonical form of
 * what `JSON.stringify` makes of it), cached by that JSON text. The text is the key and, on a
 * miss, what is canonicalized, so equal text always gives the same digest whatever object it came
 * from (a `toJSON`, a boxed number, a getter), and member order still does not count. Values that
 * JSON would quietly change (`NaN`, functions…) are not cached: canonicalization decides what they
 * are. For values that repeat call after call as new objects: a `response_format` built per
 * request, a tool list, the declared conditions.
 */
export function cachedDigest(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const known = digestsByIdentity.get(value);
    if (known !== undefined) return known;
  }
  if (!isPlainJson(value)) return digest(value);
  const key = JSON.stringify(value);
  if (key === undefined) return digest(value);
  let cached = digestsByJson.get(key);
  if (cached !== undefined) return cached;
  cached = digest(JSON.parse(key));
  // A value too large to keep is digested each time rather than emptying the cache for it.
  if (key.length > MAX_CACHED_JSON_CHARACTERS / 8) return cached;
  while (cachedJsonCharacters + key.length > MAX_CACHED_JSON_CHARACTERS) {
    const oldest = digestsByJson.keys().next().value!;
    digestsByJson.delete(oldest);
    cachedJsonCharacters -= oldest.length;
  }
  digestsByJson.set(key, cached);
  cachedJsonCharacters += key.length;
  return cached;
}

/**
 * Freezes `value` and everything in it, and returns its digest ({@link cachedDigest}), which every
 * later `cachedDigest(value)` finds by the object's identity instead of by its JSON text. For values
 * built once and handed over on every call — an adapter's declared call conditions, cached per
 * request shape — so the fingerprint of a repeated call costs a lookup, not a serialization.
 *
 * @example
 * const conditions = { provider: 'openai', operation: 'chat', target: 'gpt-4o-mini' };
 * freezeWithDigest(conditions); // conditions is now read-only; reportCall(conditions) finds its digest at once
 */
export function freezeWithDigest(value: object): string {
  const known = digestsByIdentity.get(value);
  if (known !== undefined) return known;
  const result = cachedDigest(value);
  deepFreeze(value);
  digestsByIdentity.set(value, result);
  return result;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  for (const member of Array.isArray(value) ? value : Object.values(value)) deepFreeze(member);
}
