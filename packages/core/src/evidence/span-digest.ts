import { canonicalize, sha256 } from '../identity/canonical-json.ts';
import {
  ATTR_RUNPROOF_EVIDENCE_STATUS,
  EVENT_RUNPROOF_RUN_ATTESTATION,
  NAMESPACE_PREFIX_GEN_AI,
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
 * strings), Jaeger's model (arrays and maps become JSON strings, doubles that are whole numbers
 * lose their `.0`), Jaeger's JSON APIs. Scalars become their ECMAScript string; arrays, and strings
 * that hold a JSON array or object, become RFC 8785 canonical JSON, so `["a","b"]` as an array and
 * as the string Jaeger made of it read the same. `undefined` for a value no exporter would send.
 *
 * @example
 * normalizeAttributeValue(['stop', 'length']) // '["stop","length"]'
 * normalizeAttributeValue('["stop", "length"]') // '["stop","length"]'
 * normalizeAttributeValue(1234567890123) // '1234567890123'
 */
export function normalizeAttributeValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.startsWith('[') || value.startsWith('{') ? canonicalJsonText(value) : value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return undefined;
      try {
        return canonicalize(Array.isArray(value) ? value.map((item: unknown) => item ?? null) : value);
      } catch {
        // An array holding what JSON cannot (a non-finite number): its plain JSON, as a string attribute would be.
        return JSON.stringify(value);
      }
    default:
      return undefined;
  }
}

function canonicalJsonText(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? canonicalize(parsed) : text;
  } catch {
    return text;
  }
}

/** Whether the ledger digest covers an attribute or an event of this name: Runproof's and GenAI's, less the evidence's own. */
function covered(name: string): boolean {
  return (
    (name.startsWith(NAMESPACE_PREFIX_RUNPROOF) || name.startsWith(NAMESPACE_PREFIX_GEN_AI)) &&
    name !== ATTR_RUNPROOF_EVIDENCE_STATUS &&
    name !== EVENT_RUNPROOF_RUN_ATTESTATION
  );
}

function normalizedAttributes(
  attributes: Readonly<Record<string, unknown>> | undefined,
  onlyCovered: boolean,
): Record<string, string> {
  const normalized: Record<string, string> = {};
  for (const key in attributes) {
    if (onlyCovered && !covered(key)) continue;
    const text = normalizeAttributeValue(attributes[key]);
    if (text !== undefined) normalized[key] = text;
  }
  return normalized;
}

/**
 * SHA-256 of a span's Runproof and GenAI attributes and of its Runproof and GenAI events (name and
 * every attribute; times left out), in the normalized form, as RFC 8785 JSON. Events count as a set:
 * the order Jaeger lists them in does not matter. The evidence's own status and attestation event
 * are left out, since they are added after the digest is made.
 */
export function attributeDigest(
  attributes: Readonly<Record<string, unknown>>,
  events: readonly DigestedEvent[],
): string {
  const eventTexts: string[] = [];
  for (const event of events) {
    if (covered(event.name))
      eventTexts.push(canonicalize({ name: event.name, attributes: normalizedAttributes(event.attributes, false) }));
  }
  eventTexts.sort();
  return sha256(canonicalize({ attributes: normalizedAttributes(attributes, true), events: eventTexts }));
}
