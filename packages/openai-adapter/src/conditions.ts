/**
 * Digests of what a call was declared to run under (instructions, message template, tools, response
 * schema), of what it sent, and of the structure of what it returned. The declared ones are SHA-256
 * over RFC 8785 canonical JSON (core's `digest`), so anyone holding the same value can recompute
 * them; values that repeat call after call are cached by their JSON text in core's one bounded
 * cache (`cachedDigest`), tool lists and schemas by object identity first. The input digest is
 * SHA-256 of the bytes sent, the output shape SHA-256 of the shape's canonical JSON, each cut to
 * what its job needs (see `docs/semantic-conventions.md`).
 */
import { sha256 } from '@runproof/core';
import { cachedDigest, safely } from '@runproof/core/adapter';

const digestsByObject = new WeakMap<object, string>();

/** `digest(value)`, or the digest of its `JSON.stringify` form when it is not plain JSON; `undefined` for `undefined`. */
function safeDigest(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return cachedDigest(value);
  } catch {
    return safely('digesting a request value', undefined, () => sha256(JSON.stringify(value) ?? 'null'));
  }
}

/** Hex characters kept of `ATTR_RUNPROOF_INPUT_DIGEST`: 128 bits. */
const INPUT_DIGEST_LENGTH = 32;
/** Hex characters kept of `ATTR_RUNPROOF_OUTPUT_SHAPE`: 64 bits. */
const OUTPUT_SHAPE_LENGTH = 16;

/**
 * `ATTR_RUNPROOF_INPUT_DIGEST`: SHA-256 of the request body exactly as the SDK sent it (the UTF-8
 * bytes of its JSON text), its first 128 bits in hex. The SDK serialized the body already; this
 * hashes that text instead of serializing the input a second time. Anyone holding the body sent
 * (a gateway's log, a replay) can recompute it: `sha256sum body.json | cut -c1-32`.
 */
export function digestSentBody(body: string): string {
  return sha256(body).slice(0, INPUT_DIGEST_LENGTH);
}

/**
 * Digest of a value that is usually the very same object on every call (the tools array, a
 * `response_format`), cached by identity. Mutating such an object in place between calls is not
 * noticed; pass a new object instead.
 */
export function digestByIdentity(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return safeDigest(value);
  let cached = digestsByObject.get(value);
  if (cached === undefined) {
    cached = safeDigest(value);
    if (cached !== undefined) digestsByObject.set(value, cached);
  }
  return cached;
}

/** Digest of the instructions given to the model: the list of system / developer contents. */
export function digestInstructions(contents: readonly unknown[]): string | undefined {
  return contents.length === 0 ? undefined : safeDigest(contents);
}

/** Digest of a message template: the sequence of roles (and item types). */
export function digestTemplate(roles: readonly string[]): string | undefined {
  return roles.length === 0 ? undefined : safeDigest(roles);
}

/**
 * The members of `body` named in `names` that are set, or `undefined` when none is. An object
 * member is a copy of what JSON sends of it: the conditions are frozen and kept, and the app's own
 * objects (a `stop` list, `logit_bias`, `reasoning`) stay the app's to change.
 */
export function pickParameters(
  body: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Record<string, unknown> | undefined {
  let picked: Record<string, unknown> | undefined;
  for (const name of names) {
    const value = body[name];
    if (value !== undefined && value !== null) (picked ??= {})[name] = detached(value);
  }
  return picked;
}

/** `value`, an object copied as JSON sends it; as it is when JSON cannot write it (it cannot be sent either). */
function detached(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return value;
  }
}

/**
 * The structure of a JSON value without its values: objects keep their keys, leaves become their
 * JSON type, arrays the shape of their first element (so the length does not count).
 *
 * @example
 * shapeOf({ city: 'Paris', days: [1, 2] }) // { city: 'string', days: ['number'] }
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === 'object') {
    const shape: Record<string, unknown> = {};
    for (const key of Object.keys(value)) shape[key] = shapeOf((value as Record<string, unknown>)[key]);
    return shape;
  }
  return typeof value;
}

/** JSON text parsed once, for both its shape and its validation. */
export type ParsedJson = { valid: true; value: unknown } | { valid: false };

/** Parses JSON text; `{ valid: false }` when it does not parse. */
export function parseJsonText(text: string): ParsedJson {
  try {
    return { valid: true, value: JSON.parse(text) as unknown };
  } catch {
    return { valid: false };
  }
}

/** The shape of JSON text (a tool call's arguments, a structured output); `invalid_json` when it does not parse. */
export function shapeOfJsonText(text: unknown): unknown {
  if (typeof text !== 'string') return shapeOf(text ?? null);
  return shapeOfParsed(parseJsonText(text));
}

/** The shape of parsed JSON text; `invalid_json` when it did not parse. */
export function shapeOfParsed(parsed: ParsedJson): unknown {
  return parsed.valid ? shapeOf(parsed.value) : 'invalid_json';
}

/** Short shape digests already computed: by the shape itself when it is a word (`text`), else by its JSON text. */
const shapeDigestsByWord = new Map<string, string>();
const shapeDigestsByJson = new Map<string, string>();
/** Past this many shapes, a cache starts over (outputs keyed by ids have a shape each). */
const MAX_SHAPES = 4096;

/**
 * `ATTR_RUNPROOF_OUTPUT_SHAPE`: the digest of a shape descriptor (plain JSON by construction), its
 * first 64 bits in hex: enough to tell the few structures one kind of call returns apart. A shape
 * seen before costs a lookup (a word) or its JSON text (a structure).
 */
export function digestShape(shape: unknown): string | undefined {
  try {
    const word = typeof shape === 'string';
    const key = typeof shape === 'string' ? shape : JSON.stringify(shape);
    const cache = word ? shapeDigestsByWord : shapeDigestsByJson;
    let short = cache.get(key);
    if (short === undefined) {
      short = cachedDigest(shape).slice(0, OUTPUT_SHAPE_LENGTH);
      if (cache.size >= MAX_SHAPES) cache.clear();
      cache.set(key, short);
    }
    return short;
  } catch {
    return undefined;
  }
}
