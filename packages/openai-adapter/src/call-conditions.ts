/**
 * A call's declared conditions (`CallConditions`, whose digest is `ATTR_RUNPROOF_CALL_FINGERPRINT`),
 * cached by what they are computed from: the model, the parameters, the roles and instructions of
 * the messages, the tool list and the response schema. A repeated kind of call — the steady state
 * of an app — finds its conditions, already frozen with their digest, without serializing, hashing
 * or even concatenating anything of the request: the request is read as a sequence of tokens, and
 * the cache is a tree of maps with one level per token, so finding a call's conditions costs one
 * map lookup per token and allocates nothing. Strings and numbers are tokens by themselves (V8
 * keeps a string's hash), objects by their identity, a small record built anew for each request (a
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

/**
 * Past this many levels in the tree (about 20 per distinct kind of call), it starts over: a guard
 * against requests that all differ, not a working-set size.
 */
const MAX_LEVELS = 16_384;
/** Bound on the text the id cache holds. */
const MAX_TEXT_CHARACTERS = 8 * 1024 * 1024;
/** Past this many texts, the id cache starts over. */
const MAX_TEXTS = 2048;
/**
 * A record at this depth or deeper in a request value is keyed by its JSON text, not walked: the
 * records an app builds per request wrap the ones it keeps (`response_format.json_schema.schema`).
 */
const MAX_WALKED_DEPTH = 2;
/** A record with more members is keyed by its JSON text (a large `logit_bias` is usually kept, and found by identity). */
const MAX_WALKED_MEMBERS = 8;

/**
 * A token that is none of the request's own values: a text's id, a parameter's name, the bounds of
 * a walked record. Each is a distinct object, so it can never be mistaken for a string or number
 * the request holds, nor for another token.
 */
class Token {
  readonly label: string;
  constructor(label: string) {
    this.label = label;
  }
}

const RECORD_START = new Token('{');
const RECORD_END = new Token('}');
/** A symbol or a function: JSON leaves it out, and so does the key. */
const UNSENDABLE = new Token('x');
/** Where a level keeps the conditions of the requests that end there. */
const CONDITIONS = new Token('conditions');

/** Tokens of texts (instructions, JSON of objects): equal texts get the same token. Never reused once dropped. */
const textTokens = new Map<string, Token>();
let textCharacters = 0;
/** The token of the JSON text of objects already read as JSON, by identity: it lives as long as the object does. */
const tokensByObject = new WeakMap<object, Token>();

type Level = Map<unknown, unknown>;
let root: Level = new Map();
let levels = 0;

/** A surface's declared parameters, each with its token. */
export type ParameterList = ReadonlyMap<string, Token>;

/** The tokens of `names`, for {@link ConditionsKey.parameters}. */
export function parameterList(names: readonly string[]): ParameterList {
  return new Map(names.map((name) => [name, new Token(name)]));
}

/**
 * A request's declared conditions read as a walk down the cache's tree, one token at a time. The
 * tokens that follow one another always say where each part ends (a parameter's token before its
 * value, a walked record's bounds, a text's token in place of its text), so two requests that
 * differ in any declared condition never reach the same level.
 */
export class ConditionsKey {
  private level: Level = root;

  /** One step down the tree, making the level below when it is new. */
  private step(token: unknown): void {
    let below = this.level.get(token) as Level | undefined;
    if (below === undefined) {
      below = new Map();
      this.level.set(token, below);
      levels += 1;
    }
    this.level = below;
  }

  /** The surface the request goes through, by identity: requests to different endpoints never share a key. */
  surface(surface: ConditionsSource): void {
    this.step(surface);
  }

  /** A string, or its absence. */
  string(value: string | undefined): void {
    this.step(value);
  }

  /**
   * The members of `body` that `parameters` lists and that are set, each as its token then its
   * value. Read from the body's own members (a request sets a few of the many parameters there are).
   */
  parameters(body: Readonly<Record<string, unknown>>, parameters: ParameterList): void {
    for (const name in body) {
      const token = parameters.get(name);
      if (token === undefined) continue;
      const value = body[name];
      if (value === undefined || value === null) continue;
      this.step(token);
      this.value(value);
    }
  }

  /** A message's role. */
  role(role: string): void {
    this.step(role);
  }

  /** A long text (instructions), by the token of its text. */
  longText(value: string): void {
    this.step(textToken(value));
  }

  /**
   * Any request value: a primitive as itself (a map tells `1` from `'1'` and `true`), an object by
   * the token of its JSON text (found by identity after the first time), a small plain record not
   * seen before by its members. `depth`: how deep in a request value this one is.
   */
  value(value: unknown, depth = 0): void {
    if (typeof value === 'object' && value !== null) this.object(value, depth);
    else if (typeof value === 'symbol' || typeof value === 'function') this.step(UNSENDABLE);
    else this.step(value);
  }

  /**
   * An object. A record built anew for each request would cost its JSON text on every call, and
   * keeping it by identity would only fill the cache with objects never seen again: it is keyed
   * by its members instead, between the record's bounds, each member's name then its value. Equal
   * keys mean equal JSON, since the record has no `toJSON` and its members are keyed as they are
   * serialized.
   */
  private object(value: object, depth: number): void {
    const known = tokensByObject.get(value);
    if (known !== undefined) {
      this.step(known);
      return;
    }
    if (depth < MAX_WALKED_DEPTH && isPlainRecord(value)) {
      const names = Object.keys(value);
      if (names.length <= MAX_WALKED_MEMBERS) {
        this.step(RECORD_START);
        for (const name of names) {
          this.step(name);
          this.value((value as Record<string, unknown>)[name], depth + 1);
        }
        this.step(RECORD_END);
        return;
      }
    }
    const text = jsonOf(value);
    // Not JSON (a cycle, a bigint): it cannot have been sent either; keyed by its identity alone.
    const token = text === undefined ? new Token('unreadable') : textToken(text);
    tokensByObject.set(value, token);
    this.step(token);
  }

  /** The conditions of the requests that end here, if any were declared. */
  conditions(): CallConditions | undefined {
    return this.level.get(CONDITIONS) as CallConditions | undefined;
  }

  /** Keeps `conditions` for the requests that end here. */
  keep(conditions: CallConditions): void {
    this.level.set(CONDITIONS, conditions);
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
  // The tree starts over before the walk, never during it (a walk holds its level).
  if (levels >= MAX_LEVELS) {
    root = new Map();
    levels = 0;
  }
  const key = new ConditionsKey();
  key.surface(surface);
  key.string(library);
  key.string(target);
  surface.keyConditions(body, key);
  let conditions = key.conditions();
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
    key.keep(conditions);
  }
  return conditions;
}

function textToken(text: string): Token {
  let token = textTokens.get(text);
  if (token === undefined) {
    token = new Token('text');
    if (textTokens.size >= MAX_TEXTS || textCharacters + text.length > MAX_TEXT_CHARACTERS) {
      textTokens.clear();
      textCharacters = 0;
    }
    textTokens.set(text, token);
    textCharacters += text.length;
  }
  return token;
}

/** The JSON text of an object, or `undefined` when it has none (a cycle, a bigint). */
function jsonOf(value: object): string | undefined {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return undefined;
  }
}
