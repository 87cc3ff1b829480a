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
