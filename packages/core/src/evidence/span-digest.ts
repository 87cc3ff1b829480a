import { canonicalize, sha256 } from '../identity/canonical-json.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_RUNPROOF_EVIDENCE_STATUS,
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  EVENT_RUNPROOF_RUN_ATTESTATION,
  EVENT_RUNPROOF_RUN_MANIFEST,
  NAMESPACE_PREFIX_GEN_AI,
  NAMESPACE_PREFIX_OPENAI,
  NAMESPACE_PREFIX_RUNPROOF,
} from '../semconv.ts';

/** A span's status as the ledger records it. */
export type LedgerStatus = 'unset' | 'ok' | 'error';

/** An event as the digest reads it: its name and attributes (times are left out). */
export interface DigestedEvent {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/**
 * The text form of an attribute value that survives every trip a trace takes: OTLP JSON (int64 as
 * strings), Jaeger's model (arrays become JSON strings, doubles that are whole numbers lose their
 * `.0`), Jaeger's JSON APIs. Scalars become their ECMAScript string; arrays, and strings that hold a
 * JSON array of scalars (what an array attribute becomes in Jaeger: attribute arrays hold no objects
 * or arrays), become RFC 8785 canonical JSON, so `["a","b"]` as an array and as the string Jaeger
 * made of it read the same. Other strings — JSON messages and tool arguments among them — are kept
 * as they are, unparsed. A lone UTF-16 surrogate (what an attribute length limit leaves of an emoji
 * it cuts in half) becomes U+FFFD, as it does in every UTF-8 encoding of the string (OTLP protobuf,
 * Jaeger). A number JSON cannot hold (NaN, ±Infinity: JSON exporters write `null`) is `NaN`.
 * `undefined` for a value no exporter would send.
 *
 * @example
 * normalizeAttributeValue(['stop', 'length']) // '["stop","length"]'
 * normalizeAttributeValue('["stop", "length"]') // '["stop","length"]'
 * normalizeAttributeValue(1234567890123) // '1234567890123'
 */
export function normalizeAttributeValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return SCALAR_ARRAY_START.test(value) ? canonicalArrayText(value) : wellFormed(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'NaN';
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return undefined;
      return arrayText(Array.isArray(value) ? value.map((item: unknown) => item ?? null) : value);
    default:
      return undefined;
  }
}

/** How a JSON array of scalars starts: a bracket, then a string, number, literal or its end — no object, no array. */
const SCALAR_ARRAY_START = /^\[\s*(?:["\d\-tfn\]])/;

function canonicalArrayText(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? arrayText(parsed) : wellFormed(text);
  } catch {
    return wellFormed(text);
  }
}

/** An array's canonical JSON, its strings well formed. */
function arrayText(value: unknown): string {
  const items = Array.isArray(value)
    ? value.map((item: unknown) => (typeof item === 'string' ? wellFormed(item) : item))
    : value;
  try {
    return canonicalize(items);
  } catch {
    // An array holding what JSON cannot (a non-finite number): its plain JSON, as a string attribute would be.
    return JSON.stringify(items);
  }
}

/** A lone surrogate: `\p{Cs}` matches only unpaired ones in a `u` regular expression. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** The string with each lone surrogate replaced by U+FFFD, as a UTF-8 encoder replaces it. */
export function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}

/**
 * Whether the ledger digest covers an attribute or an event of this name: Runproof's and the GenAI
 * conventions' — `NAMESPACE_PREFIX_GEN_AI` and what they put on a model span outside it
 * (`ATTR_ERROR_TYPE`, which alerts read, `ATTR_SERVER_ADDRESS` and `ATTR_SERVER_PORT`, the OpenAI
 * system's `NAMESPACE_PREFIX_OPENAI`) — less the
 * evidence's own and the manifest event (the statement's subject digest covers that one).
 */
function covered(name: string): boolean {
  return (
    (name.startsWith(NAMESPACE_PREFIX_RUNPROOF) ||
      name.startsWith(NAMESPACE_PREFIX_GEN_AI) ||
      name.startsWith(NAMESPACE_PREFIX_OPENAI) ||
      name === ATTR_ERROR_TYPE ||
      name === ATTR_SERVER_ADDRESS ||
      name === ATTR_SERVER_PORT) &&
    name !== ATTR_RUNPROOF_EVIDENCE_STATUS &&
    name !== EVENT_RUNPROOF_RUN_ATTESTATION &&
    name !== EVENT_RUNPROOF_RUN_MANIFEST
  );
}

/**
 * The RFC 8785 JSON of an object whose values are the normalized attribute values: built here as
 * text (keys sorted by UTF-16 code units, strings as `JSON.stringify` writes them, which is what
 * `canonicalize` would make of it) because it runs for every span of a signed run.
 */
function normalizedJson(attributes: Readonly<Record<string, unknown>> | undefined, onlyCovered: boolean): string {
  const keys: string[] = [];
  for (const key in attributes) if (!onlyCovered || covered(key)) keys.push(key);
  keys.sort();
  let text = '{';
  for (const key of keys) {
    const value = normalizeAttributeValue(attributes![key]);
    if (value === undefined) continue;
    text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return `${text}}`;
}

/**
 * SHA-256 of a span's Runproof and GenAI attributes and of its Runproof and GenAI events (name and
 * every attribute; times left out), in the normalized form: the RFC 8785 JSON of
 * `{ attributes: { name: text }, events: [{ attributes: { name: text }, name }] }`, the events
 * sorted by their own JSON, so the order Jaeger lists them in does not matter. The evidence's own
 * status and attestation event are left out, since they are added after the digest is made, and a
 * run span's manifest event, which the statement's subject digest covers; a manifest event on any
 * other span is covered here (none is ever put there).
 */
export function attributeDigest(
  attributes: Readonly<Record<string, unknown>>,
  events: readonly DigestedEvent[],
): string {
  const eventTexts: string[] = [];
  // The subject digest covers a run span's manifest event; one on any other span is covered here.
  const runSpan = attributes[ATTR_RUNPROOF_RUN_ATTEMPT] !== undefined;
  for (const event of events) {
    if (covered(event.name) || (!runSpan && event.name === EVENT_RUNPROOF_RUN_MANIFEST))
      eventTexts.push(
        `{"attributes":${normalizedJson(event.attributes, false)},"name":${JSON.stringify(wellFormed(event.name))}}`,
      );
  }
  eventTexts.sort();
  return sha256(`{"attributes":${normalizedJson(attributes, true)},"events":[${eventTexts.join(',')}]}`);
}
