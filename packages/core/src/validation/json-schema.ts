import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { digest } from '../identity/canonical-json.ts';
import { cachedDigest } from '../identity/digest-cache.ts';
import type { Issue } from '../errors.ts';
import { warnOnce } from '../safely.ts';
import type { ValidationResult } from './result.ts';

/** A JSON Schema document: an object, or `true` / `false`. */
export type JsonSchema = Record<string, unknown> | boolean;

const MAX_CACHED = 256;
const options = { allErrors: true, strict: false, logger: false as const, validateFormats: false };
let draft2020: Ajv2020 | undefined;
let draft07: Ajv | undefined;
const byObject = new WeakMap<object, ValidateFunction | null>();
const byDigest = new Map<string, { validate: ValidateFunction | null; schema: JsonSchema }>();
const digests = new WeakMap<object, string>();

/**
 * Validates `value` against a JSON Schema with a real validator (Ajv 8; draft 2020-12, or draft-07
 * when the schema's `$schema` says so; `format` is not checked). Compiled validators are cached per
 * schema object and per schema digest (the last 256 distinct schemas), so a schema rebuilt on every
 * request compiles once, and finding it again costs its JSON text, not a canonical digest. A schema
 * that does not compile gives outcome `none` (and a warning once).
 *
 * @example
 * validateJsonSchema({ type: 'object', required: ['total'], properties: { total: { type: 'number' } } }, { total: '12' })
 * // { outcome: 'fail', issues: [{ code: 'type', path: ['total'], message: 'must be number' }] }
 */
export function validateJsonSchema(schema: JsonSchema, value: unknown): ValidationResult {
  const validate = compile(schema);
  if (validate === null) return { outcome: 'none', issues: [] };
  if (validate(value)) return { outcome: 'pass', issues: [], value };
  return { outcome: 'fail', issues: fromAjvErrors(validate.errors ?? [], schema) };
}

/**
 * SHA-256 of a JSON Schema's canonical JSON (`ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST`), cached per
 * object, and for a schema object seen for the first time by its JSON text (`cachedDigest`).
 *
 * @example
 * span.setAttribute(ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST, jsonSchemaDigest(responseFormat.json_schema.schema));
 */
export function jsonSchemaDigest(schema: JsonSchema): string {
  if (typeof schema === 'boolean') return digest(schema);
  let result = digests.get(schema);
  if (result === undefined) digests.set(schema, (result = cachedDigest(schema)));
  return result;
}

function compile(schema: JsonSchema): ValidateFunction | null {
  if (typeof schema === 'object' && schema !== null) {
    const known = byObject.get(schema);
    if (known !== undefined) return known;
  }
  const key = jsonSchemaDigest(schema);
  let entry = byDigest.get(key);
  if (entry === undefined) {
    const validator = validatorFor(schema);
    let validate: ValidateFunction | null;
    try {
      validate = validator.compile(schema);
    } catch (error) {
      warnOnce(
        `json-schema:${key}`,
        `runproof: a JSON Schema did not compile (${(error as Error).message}); values are not checked against it`,
      );
      validate = null;
    }
    entry = { validate, schema };
    byDigest.set(key, entry);
    if (byDigest.size > MAX_CACHED) evictOldest();
  }
  if (typeof schema === 'object' && schema !== null) byObject.set(schema, entry.validate);
  return entry.validate;
}

/** Ajv is loaded with the first schema to validate, not when the package is imported. */
const load = createRequire(import.meta.url);

function validatorFor(schema: JsonSchema): Ajv | Ajv2020 {
  const declared = typeof schema === 'object' ? schema.$schema : undefined;
  if (typeof declared === 'string' && /draft-0[67]/.test(declared))
    return (draft07 ??= new (load('ajv') as typeof import('ajv')).Ajv(options));
  return (draft2020 ??= new (load('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020(options));
}

function evictOldest(): void {
  const [oldestKey, oldest] = byDigest.entries().next().value!;
  byDigest.delete(oldestKey);
  // Ajv keeps every compiled schema; forget it there too so per-request schemas do not accumulate.
  if (typeof oldest.schema === 'object') {
    try {
      validatorFor(oldest.schema).removeSchema(oldest.schema);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ajv errors as issues whose path names the offending field, a missing property too. Names the
 * schema does not declare anywhere (a property it does not allow, the keys of a map it validates
 * with `additionalProperties` or `patternProperties`) come from the output: they are content, so
 * they appear in the path as `*` and only the message, recorded when capture is on, names them.
 */
function fromAjvErrors(errors: readonly ErrorObject[], schema: JsonSchema): Issue[] {
  const declared = declaredNames(schema);
  return errors.map((error) => {
    const path: (string | number)[] =
      error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(fromPointerSegment);
    const params = error.params as {
      missingProperty?: string;
      additionalProperty?: string;
      unevaluatedProperty?: string;
    };
    if (params.missingProperty !== undefined) path.push(params.missingProperty);
    let message = error.message ?? error.keyword;
    const extra = params.additionalProperty ?? params.unevaluatedProperty;
    if (extra !== undefined) message += `: ${JSON.stringify(extra)}`;
    if (!path.some((segment) => typeof segment === 'string' && !declared.has(segment)))
      return { code: error.keyword, path, message };
    const shown = path.map((segment) => (typeof segment === 'string' && !declared.has(segment) ? '*' : segment));
    return { code: error.keyword, path: shown, message: `${message} (at ${JSON.stringify(path)})` };
  });
}

const namesBySchema = new WeakMap<object, ReadonlySet<string>>();

/** Every property name a schema declares, at any depth: `properties` keys and `required` entries. */
function declaredNames(schema: JsonSchema): ReadonlySet<string> {
  if (typeof schema !== 'object') return new Set();
  let names = namesBySchema.get(schema);
  if (names === undefined) {
    const found = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.properties !== null && typeof record.properties === 'object' && !Array.isArray(record.properties))
        for (const name of Object.keys(record.properties)) found.add(name);
      if (Array.isArray(record.required))
        for (const name of record.required) if (typeof name === 'string') found.add(name);
      for (const value of Object.values(record)) visit(value);
    };
    visit(schema);
    namesBySchema.set(schema, (names = found));
  }
  return names;
}

function fromPointerSegment(segment: string): string | number {
  const text = segment.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^(0|[1-9]\d*)$/.test(text) ? Number(text) : text;
}
