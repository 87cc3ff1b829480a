/**
 * A call's declared conditions (`CallConditions`, whose digest is `ATTR_RUNPROOF_CALL_FINGERPRINT`),
 * cached by a key built from what they are computed from: the model, the parameters, the roles and
 * instructions of the messages, the tool list and the response schema. A repeated kind of call —
 * the steady state of an app — finds its conditions, already frozen with their digest, without
 * serializing or hashing anything of the request: strings are keyed by themselves (V8 keeps a
 * string's hash), objects by their identity, a small record built anew for each request (a
 * `response_format` around the app's schema) by its members, and only any other object seen for
 * the first time is read as JSON text (a tool list or schema built anew for each request is read
 * once per request). Mutating an object in place between calls is not noticed: pass a new object.
 */
import type { CallConditions } from '@runproof/core';
import { freezeWithDigest, keepShapes, safely } from '@runproof/core/adapter';
import { GEN_AI_PROVIDER_VALUE_OPENAI } from '@runproof/core/semconv';
import { PACKAGE_NAME, VERSION } from './version.ts';

/** A request body as the caller passed it to `create`. */
type RequestBody = Readonly<Record<string, unknown>>;

/** The declared conditions a surface derives from a request (the rest — provider, library… — are common). */
export type DeclaredRequest = Pick<
  CallConditions,
  'parameters' | 'instructionsDigest' | 'templateDigest' | 'toolsDigest' | 'schemaDigest'
>;

/** What a surface tells about a request's declared conditions (`Surface` has these members). */
export interface ConditionsSource {
  readonly operation: string;
  /** Writes to `key` everything of the request that `declare` reads (not the model: the caller keys it). */
  keyConditions(body: RequestBody, key: ConditionsKey): void;
  /** The request's declared conditions; asked only for a key not seen before. */
  declare(body: RequestBody): DeclaredRequest;
}

const ADAPTER = `${PACKAGE_NAME}@${VERSION}`;

/** Past this many, a cache starts over (a guard against requests that all differ, not a working-set size). */
const MAX_ENTRIES = 2048;
/** Bound on the text the id cache holds. */
const MAX_TEXT_CHARACTERS = 8 * 1024 * 1024;
/**
 * A record at this depth or deeper in a request value is keyed by its JSON text, not walked: the
 * records an app builds per request wrap the ones it keeps (`response_format.json_schema.schema`).
 */
const MAX_WALKED_DEPTH = 2;
/** A record with more members is keyed by its JSON text (a large `logit_bias` is usually kept, and found by identity). */
const MAX_WALKED_MEMBERS = 8;

/** Short ids of texts (instructions, JSON of objects): a key holds the id, not the text. Ids are never reused. */
const textIds = new Map<string, number>();
let textCharacters = 0;
let nextTextId = 0;
/**
 * The id of the JSON text of objects already read as JSON, by identity: it lives as long as the
 * object does. An id stays unique to its text after the id cache starts over (ids are never reused).
 */
const idsByObject = new WeakMap<object, number>();
const conditionsByKey = new Map<string, CallConditions>();

/** A surface's declared parameters, each with its position in the list. */
export type ParameterList = ReadonlyMap<string, number>;

/** The positions of `names`, for {@link ConditionsKey.parameters}. */
export function parameterList(names: readonly string[]): ParameterList {
  return new Map(names.map((name, index) => [name, index]));
}

/** One-letter codes of the usual roles, so a message costs one character of the key. */
const ROLE_CODES: Readonly<Record<string, string>> = {
  system: 'S',
  user: 'U',
  assistant: 'A',
  tool: 'T',
  developer: 'D',
  function: 'F',
};

/**
 * What a request's declared conditions are computed from, written as it is read. Every part says
 * where it ends (a length, a closing `|`, or one letter of a known kind), so two different
 * requests never write the same key.
 */
export class ConditionsKey {
  text = '';

  /** A string, or its absence. */
  string(value: string | undefined): void {
    this.text += value === undefined ? '-|' : `${value.length}:${value}|`;
  }

  /**
   * The members of `body` that `parameters` lists and that are set, each with its position in the
   * list. Read from the body's own members (a request sets a few of the many parameters there are).
   */
  parameters(body: Readonly<Record<string, unknown>>, parameters: ParameterList): void {
    for (const name in body) {
      const index = parameters.get(name);
      if (index === undefined) continue;
      const value = body[name];
      if (value === undefined || value === null) continue;
      this.text += `P${index}`;
      this.value(value);
    }
  }

  /** A message's role: one letter for the usual ones. */
  role(role: string): void {
    this.text += ROLE_CODES[role] ?? `R${role.length}:${role}|`;
  }

  /** A long text (instructions) by a short id. */
  longText(value: string): void {
    this.text += `#${textId(value)}|`;
  }

  /**
   * Any request value: a primitive as itself after one lowercase letter for its type (a string
   * with its length), an object by the id of its JSON text (found by identity after the first
   * time), a small plain record not seen before by its members. `depth`: how deep in a request
   * value this one is.
   */
  value(value: unknown, depth = 0): void {
    switch (typeof value) {
      case 'string':
        this.text += 's' + value.length + ':' + value;
        return;
      case 'number':
        this.text += 'd' + value + '|';
        return;
      case 'boolean':
        this.text += value ? 't' : 'f';
        return;
      case 'bigint':
        this.text += 'g' + value + '|';
        return;
      case 'undefined':
        this.text += 'u';
        return;
      case 'object':
        if (value === null) this.text += 'n';
        else this.object(value, depth);
        return;
      default:
        // A symbol or a function cannot be sent: JSON leaves it out, and so does the key.
        this.text += 'x';
    }
  }

  /**
   * An object. A record built anew for each request would cost its JSON text on every call, and
   * keeping it by identity would only fill the cache with objects never seen again: it is keyed
   * by its members instead, `{` then each member's length-prefixed name and value, then `}`. Equal
   * keys mean equal JSON, since the record has no `toJSON` and its members are keyed as they are
   * serialized.
   */
  private object(value: object, depth: number): void {
    const known = idsByObject.get(value);
    if (known !== undefined) {
      this.text += `#${known}|`;
      return;
    }
    if (depth < MAX_WALKED_DEPTH && isPlainRecord(value)) {
      const names = Object.keys(value);
      if (names.length <= MAX_WALKED_MEMBERS) {
        this.text += '{';
        for (const name of names) {
          this.text += name.length + ':' + name;
          this.value((value as Record<string, unknown>)[name], depth + 1);
        }
        this.text += '}';
        return;
      }
    }
    const id = textId(jsonOf(value));
    idsByObject.set(value, id);
    this.text += `#${id}|`;
  }
}

// An empty key, kept for the class's shape (see `keepShapes`).
keepShapes(new ConditionsKey());

/** A record JSON serializes member by member: a plain object without a `toJSON` of its own. */
function isPlainRecord(value: object): boolean {
  if (Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !Object.hasOwn(value, 'toJSON');
}

/** The declared conditions of a call through `surface`, built (and frozen with their digest) only for a key not seen before. */
export function declaredConditions(
  surface: ConditionsSource,
  body: RequestBody,
  library: string,
  target: string | undefined,
): CallConditions {
  const key = new ConditionsKey();
  key.text =
    target === undefined
      ? `${library.length}:${library}|-|`
      : `${library.length}:${library}|${target.length}:${target}|`;
  surface.keyConditions(body, key);
  let conditions = conditionsByKey.get(key.text);
  if (conditions === undefined) {
    const declared: DeclaredRequest = surface.declare(body);
    conditions = {
      provider: GEN_AI_PROVIDER_VALUE_OPENAI,
      operation: surface.operation,
      target,
      parameters: declared.parameters,
      instructionsDigest: declared.instructionsDigest,
      templateDigest: declared.templateDigest,
      toolsDigest: declared.toolsDigest,
      schemaDigest: declared.schemaDigest,
      library,
      adapter: ADAPTER,
    };
    // Frozen: the cache hands the same object to every later call, whose fingerprint is then a lookup.
    safely('freezing call conditions', undefined, () => freezeWithDigest(conditions!));
    if (conditionsByKey.size >= MAX_ENTRIES) conditionsByKey.clear();
    conditionsByKey.set(key.text, conditions);
  }
  return conditions;
}

function textId(text: string): number {
  let id = textIds.get(text);
  if (id === undefined) {
    id = nextTextId++;
    if (textIds.size >= MAX_ENTRIES || textCharacters + text.length > MAX_TEXT_CHARACTERS) {
      textIds.clear();
      textCharacters = 0;
    }
    textIds.set(text, id);
    textCharacters += text.length;
  }
  return id;
}

/** The JSON text of an object (the caller keeps its id by identity). */
function jsonOf(value: object): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    // Not JSON (a cycle, a bigint): it cannot have been sent either; keyed by its identity alone.
    return `object ${nextTextId++}`;
  }
}
