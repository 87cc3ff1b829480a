/**
 * Digests of what a call was declared to run under (instructions, message template, tools, response
 * schema, input) and of the structure of what it returned. Each is SHA-256 over RFC 8785 canonical
 * JSON (core's `digest`), so anyone holding the same value can recompute it. Values that repeat
 * call after call are cached by their JSON text in core's one bounded cache (`cachedDigest`), tool
 * lists and schemas by object identity first.
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

/**
 * Digest of a request's input (`ATTR_RUNPROOF_INPUT_DIGEST`): SHA-256 of its JSON exactly as the SDK
 * sends it (`JSON.stringify` of the member, in the caller's member order). Inputs differ on every
 * call, so this skips the canonical form the declared conditions use; the same code sending the
 * same input gives the same digest in any process.
 */
export function digestInput(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return safely('digesting a request input', undefined, () => sha256(JSON.stringify(value) ?? 'null'));
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

/** The members of `body` named in `names` that are set, or `undefined` when none is. */
export function pickParameters(
  body: Readonly<Record<string, unknown>>,
  names: readonly string[],
): Record<string, unknown> | undefined {
  let picked: Record<string, unknown> | undefined;
  for (const name of names) {
    const value = body[name];
    if (value !== undefined && value !== null) (picked ??= {})[name] = value;
  }
  return picked;
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

/** The shape of JSON text (a tool call's arguments, a structured output); `invalid_json` when it does not parse. */
export function shapeOfJsonText(text: unknown): unknown {
  if (typeof text !== 'string') return shapeOf(text ?? null);
  try {
    return shapeOf(JSON.parse(text));
  } catch {
    return 'invalid_json';
  }
}

/** `ATTR_RUNPROOF_OUTPUT_SHAPE`: the digest of a shape descriptor (plain JSON by construction). */
export function digestShape(shape: unknown): string | undefined {
  return safely('digesting an output shape', undefined, () => cachedDigest(shape));
}
