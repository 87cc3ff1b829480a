import { hash } from 'node:crypto';

/**
 * Serializes a value as RFC 8785 (JSON Canonicalization Scheme) text: object members sorted by the
 * UTF-16 code units of their names, no insignificant white space, ECMAScript number and string
 * serialization. The same value gives the same bytes in any process on any machine, which is what
 * makes a fingerprint comparable across runs.
 *
 * `undefined` members are left out (as `JSON.stringify` does); non-finite numbers, bigints,
 * functions and symbols cannot be represented and throw a `TypeError` naming the path.
 *
 * @example
 * canonicalize({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalize(value: unknown): string {
  return serialize(value, []);
}

/**
 * SHA-256 of the canonical form of `value`, as lowercase hex.
 *
 * @example
 * digest({ model: 'gpt-4o-mini' }) // '5d0f…' (64 hex characters)
 */
export function digest(value: unknown): string {
  return sha256(canonicalize(value));
}

/** SHA-256 of a string's UTF-8 bytes, as lowercase hex. */
export function sha256(text: string): string {
  // One-shot hashing: no Hash object per digest (this runs several times per model call).
  return hash('sha256', text, 'hex');
}

function serialize(value: unknown, path: (string | number)[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalize ${value} at ${formatJsonPath(path)}`);
      // ECMAScript's Number-to-String is the serialization RFC 8785 specifies (and -0 becomes 0).
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? serializeArray(value, path) : serializeObject(value, path);
    default:
      throw new TypeError(`cannot canonicalize a ${typeof value} at ${formatJsonPath(path)}`);
  }
}

// The path is a stack shared by the whole walk, turned into text only for an error message.
function serializeArray(values: readonly unknown[], path: (string | number)[]): string {
  let text = '[';
  for (let index = 0; index < values.length; index += 1) {
    if (index > 0) text += ',';
    const item = values[index];
    path.push(index);
    text += item === undefined ? 'null' : serialize(item, path);
    path.pop();
  }
  return `${text}]`;
}

function serializeObject(object: object, path: (string | number)[]): string {
  const source =
    typeof (object as { toJSON?: unknown }).toJSON === 'function' ? (object as { toJSON(): unknown }).toJSON() : object;
  if (source !== object) return serialize(source, path);
  // Default sort compares UTF-16 code units, exactly the order RFC 8785 requires.
  const keys = Object.keys(object).sort();
  let text = '{';
  let first = true;
  for (const key of keys) {
    const member = (object as Record<string, unknown>)[key];
    if (member === undefined) continue;
    path.push(key);
    text += `${first ? '' : ','}${JSON.stringify(key)}:${serialize(member, path)}`;
    path.pop();
    first = false;
  }
  return `${text}}`;
}

function formatJsonPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${part}`), '$');
}
