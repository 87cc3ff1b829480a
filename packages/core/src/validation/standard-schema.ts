import { z } from 'zod';
import { digest } from '../identity/canonical-json.ts';
import { RunproofError, type Issue } from '../errors.ts';
import { describeType } from '../run/argument-checks.ts';
import type { ValidationResult } from './result.ts';
import { VALIDATION_ISSUE_CODE_VALUE_INVALID } from '../semconv.ts';

/**
 * The Standard Schema v1 interface (https://standardschema.dev): what Zod 4, Valibot, ArkType and
 * others implement, so a checkpoint takes a schema from any of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProperties<Input, Output>;
}

/** The `~standard` property of a {@link StandardSchemaV1}. */
export interface StandardSchemaProperties<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** What a Standard Schema's `validate` returns. */
export type StandardSchemaResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/** One issue as a Standard Schema reports it. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The output type of a Standard Schema. */
export type StandardSchemaOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];

/** The `code` of the `RunproofError` for a schema that is not a Standard Schema or returned a malformed result. */
export const INVALID_SCHEMA = 'RUNPROOF_INVALID_SCHEMA';

/**
 * Whether `value` implements Standard Schema v1.
 *
 * @example
 * isStandardSchema(z.string()) // true
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const properties = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return (
    typeof properties === 'object' &&
    properties !== null &&
    properties.version === 1 &&
    typeof properties.validate === 'function'
  );
}

/**
 * Standard Schema issues as `{ code, path, message }`. Standard Schema has no issue codes; a
 * validator's own code (Zod's `invalid_type`, …) is used when the issue carries one, else `invalid`.
 *
 * @example
 * fromStandardIssues([{ message: 'Required', path: ['lines', { key: 0 }, 'amount'] }]) // [{ code: 'invalid', path: ['lines', 0, 'amount'], message: 'Required' }]
 */
export function fromStandardIssues(issues: ReadonlyArray<StandardSchemaIssue>): Issue[] {
  return issues.map((issue) => {
    const code = (issue as { code?: unknown }).code;
    return {
      code: typeof code === 'string' && code !== '' ? code : VALIDATION_ISSUE_CODE_VALUE_INVALID,
      path: (issue.path ?? []).map((segment) => {
        const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
        return typeof key === 'number' ? key : String(key);
      }),
      message: issue.message,
    };
  });
}

/**
 * What is malformed in a result a Standard Schema's `validate()` returned, described without its
 * values (they may be content); `undefined` for a well-formed result: `{ value }`, or `{ issues }`
 * with at least one issue, each with a string `message` and an optional `path` of property keys or
 * `{ key }` segments.
 *
 * @example
 * findMalformedResult({ issues: 'amount is wrong' }) // '"issues" is a string, not an array'
 */
export function findMalformedResult(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null)
    return `it is ${describeType(result)}, not an object with "value" or "issues"`;
  const issues = (result as { issues?: unknown }).issues;
  if (issues === undefined) return 'value' in result ? undefined : 'it has neither "value" nor "issues"';
  if (!Array.isArray(issues)) return `"issues" is ${describeType(issues)}, not an array`;
  if (issues.length === 0) return '"issues" is an empty array (a failure names at least one issue)';
  for (const [index, issue] of issues.entries()) {
    if (typeof issue !== 'object' || issue === null) return `issues[${index}] is ${describeType(issue)}, not an object`;
    const { message, path } = issue as { message?: unknown; path?: unknown };
    if (typeof message !== 'string') return `issues[${index}].message is ${describeType(message)}, not a string`;
    if (path === undefined) continue;
    if (!Array.isArray(path)) return `issues[${index}].path is ${describeType(path)}, not an array`;
    for (const [position, segment] of path.entries()) {
      const isObject = typeof segment === 'object' && segment !== null;
      if (isObject && !('key' in segment))
        return `issues[${index}].path[${position}] is an object without "key", not a property key`;
      const key: unknown = isObject ? (segment as { key: unknown }).key : segment;
      if (!isPropertyKey(key)) return `issues[${index}].path[${position}] is ${describeType(key)}, not a property key`;
    }
  }
  return undefined;
}

function isPropertyKey(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'symbol';
}

/**
 * For adapters: validates `value` against a Standard Schema (awaiting an async validator) and
 * returns the result as data, never throwing for an invalid value; `value` is the schema's output
 * when it passes. Errors thrown by the validator itself pass through; a malformed result (see
 * {@link findMalformedResult}) throws a `RunproofError` with code `RUNPROOF_INVALID_SCHEMA`.
 *
 * @example
 * const result = await validateStandardSchema(langchainTool.schema, toolCall.args);
 * recordValidation(span, { checkpoint: `${langchainTool.name}.arguments`, schemaDigest: standardSchemaDigest(langchainTool.schema), ...result });
 */
export async function validateStandardSchema<Schema extends StandardSchemaV1>(
  schema: Schema,
  value: unknown,
): Promise<ValidationResult<StandardSchemaOutput<Schema>>> {
  const result = await schema['~standard'].validate(value);
  const malformed = findMalformedResult(result);
  if (malformed !== undefined)
    throw new RunproofError(INVALID_SCHEMA, `the schema's validate() returned a malformed result: ${malformed}`);
  if (result.issues === undefined)
    return { outcome: 'pass', issues: [], value: result.value as StandardSchemaOutput<Schema> };
  return { outcome: 'fail', issues: fromStandardIssues(result.issues) };
}

const digests = new WeakMap<object, string>();

/**
 * A stable digest of a schema (`ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST`): of its JSON Schema when it can
 * produce one (Zod 4 through `z.toJSONSchema`, libraries with a `toJsonSchema()` method), else of a
 * bounded description of its structure with its vendor. Cached per schema object.
 *
 * @example
 * standardSchemaDigest(z.object({ total: z.number() })) // 'e3b0…'
 */
export function standardSchemaDigest(schema: StandardSchemaV1): string {
  const cached = digests.get(schema);
  if (cached !== undefined) return cached;
  const vendor = schema['~standard'].vendor;
  const jsonSchema = toJsonSchema(schema);
  const value =
    jsonSchema === undefined ? { vendor, structure: describe(schema, 0, new WeakSet(), { nodes: 0 }) } : jsonSchema;
  const result = digest(value);
  digests.set(schema, result);
  return result;
}

function toJsonSchema(schema: StandardSchemaV1): unknown {
  try {
    if (schema['~standard'].vendor === 'zod' && typeof schema === 'object' && '_zod' in schema) {
      return z.toJSONSchema(schema as unknown as z.ZodType, { unrepresentable: 'any' });
    }
    for (const method of ['toJsonSchema', 'toJSONSchema'] as const) {
      const convert = (schema as unknown as Record<string, unknown>)[method];
      if (typeof convert === 'function') return JSON.parse(JSON.stringify(convert.call(schema))) as unknown;
    }
  } catch {
    // Not representable: fall back to the structure.
  }
  return undefined;
}

/** Own enumerable properties, depth- and size-bounded; functions and cycles become markers. */
function describe(value: unknown, depth: number, seen: WeakSet<object>, budget: { nodes: number }): unknown {
  budget.nodes += 1;
  if (budget.nodes > 2_000 || depth > 8) return '[…]';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'undefined') return String(value);
  if (typeof value === 'function') return '[function]';
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => describe(item, depth + 1, seen, budget));
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (key.startsWith('~') || key.startsWith('_')) continue;
    result[key] = describe((value as Record<string, unknown>)[key], depth + 1, seen, budget);
  }
  return result;
}
