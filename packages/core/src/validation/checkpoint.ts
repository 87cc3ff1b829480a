import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { RunproofError, ValidationError } from '../errors.ts';
import { markError } from '../telemetry/span-status.ts';
import { safely } from '../safely.ts';
import { ATTR_ERROR_TYPE, ATTR_RUNPROOF_VALIDATION_CHECKPOINT, SPAN_NAME_PREFIX_VALIDATE } from '../semconv.ts';
import { findNameProblem, invalidArgument } from '../run/argument-checks.ts';
import {
  findMalformedResult,
  fromStandardIssues,
  INVALID_SCHEMA,
  isStandardSchema,
  standardSchemaDigest,
  type StandardSchemaOutput,
  type StandardSchemaV1,
} from './standard-schema.ts';
import { recordValidation } from './validation.ts';
import { detectInputDrift } from '../drift/input-drift.ts';
import { getRunState } from '../run/run-state.ts';
import { coreTracer } from '../telemetry/scope.ts';

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /**
   * `record` records the outcome and returns the value untouched, valid or not; `enforce` throws a
   * `ValidationError` when the value does not match, and returns the schema's output when it does.
   * Default: `record`.
   */
  mode?: 'record' | 'enforce';
}

/**
 * Checks `value` against any Standard Schema (Zod 4, Valibot, ArkType…) as a `validate {name}`
 * span: `ATTR_RUNPROOF_VALIDATION_OUTCOME` (`pass` / `fail`), the checkpoint name, the schema's digest,
 * the issue count, an `EVENT_RUNPROOF_VALIDATION_FAILURE` event with issue codes and paths (never values
 * unless content capture is on) and the `METRIC_RUNPROOF_VALIDATION_CHECKS` metric. Works inside or outside
 * a run; async validators are awaited. Before validating, the structure of `value` is compared with
 * the checkpoint's baseline: gained or lost fields are `input_shape` drift on the span (see
 * `detectInputDrift`), shared by the fleet when a store is configured.
 *
 * In `record` mode (the default) it returns `value` itself. In `enforce` mode it returns the
 * schema's output (parsed, with defaults applied) or throws a `ValidationError` whose `issues` are
 * `{ code, path, message }`. A bad name (not a non-empty string of at most 256 characters, the
 * rule `run()` and `step()` apply) or mode throws a `RunproofError` with code
 * `RUNPROOF_INVALID_ARGUMENT`; a `schema` that is not a Standard Schema, or whose `validate()`
 * returns a malformed result, one with code `RUNPROOF_INVALID_SCHEMA` naming the checkpoint and
 * what was malformed; an error thrown by the validator itself passes through.
 *
 * @example
 * const Fields = z.object({ vendor: z.string(), total: z.number().positive() });
 * const fields = await checkpoint('invoice.fields', Fields, JSON.parse(reply), { mode: 'enforce' });
 */
export async function checkpoint<Schema extends StandardSchemaV1>(
  name: string,
  schema: Schema,
  value: unknown,
  options: CheckpointOptions & { mode: 'enforce' },
): Promise<StandardSchemaOutput<Schema>>;
export async function checkpoint<Value>(
  name: string,
  schema: StandardSchemaV1,
  value: Value,
  options?: CheckpointOptions & { mode?: 'record' },
): Promise<Value>;
export async function checkpoint(
  name: string,
  schema: StandardSchemaV1,
  value: unknown,
  options: CheckpointOptions = {},
): Promise<unknown> {
  const mode = options?.mode ?? 'record';
  const nameProblem = findNameProblem(name);
  if (nameProblem !== undefined) throw invalidArgument('checkpoint()', [nameProblem]);
  if (!isStandardSchema(schema))
    throw new RunproofError(
      INVALID_SCHEMA,
      `checkpoint("${name}"): schema must implement Standard Schema v1 (a "~standard" property with validate()), e.g. a Zod 4 schema`,
    );
  if (mode !== 'record' && mode !== 'enforce')
    throw invalidArgument(`checkpoint("${name}")`, ['mode must be "record" or "enforce"']);

  const span = coreTracer().startSpan(`${SPAN_NAME_PREFIX_VALIDATE} ${name}`, {
    kind: SpanKind.INTERNAL,
    attributes: { [ATTR_RUNPROOF_VALIDATION_CHECKPOINT]: name },
  });
  const schemaDigest = safely('digesting a schema', undefined, () => standardSchemaDigest(schema));
  // Before validation: an upstream that changed shape is flagged even while the schema still passes.
  detectInputDrift(
    span,
    { on: 'checkpoint', workflow: getRunState(context.active())?.name, name, schemaDigest },
    value,
  );
  let result;
  try {
    result = await context.with(trace.setSpan(context.active(), span), () => schema['~standard'].validate(value));
  } catch (error) {
    markError(span, error);
    span.end();
    throw error;
  }
  const malformed = findMalformedResult(result);
  if (malformed !== undefined) {
    const error = new RunproofError(
      INVALID_SCHEMA,
      `checkpoint("${name}"): the schema's validate() returned a malformed result: ${malformed}`,
    );
    markError(span, error);
    span.end();
    throw error;
  }
  const issues = result.issues === undefined ? [] : fromStandardIssues(result.issues);
  const outcome = result.issues === undefined ? 'pass' : 'fail';
  recordValidation(span, { checkpoint: name, outcome, schemaDigest, issues });
  if (outcome === 'fail' && mode === 'enforce') {
    const error = new ValidationError(name, issues);
    // The status message names the count only: issue messages can quote the value.
    span.setAttribute(ATTR_ERROR_TYPE, error.code);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `checkpoint "${name}" failed with ${issues.length} issue${issues.length === 1 ? '' : 's'}`,
    });
    span.end();
    throw error;
  }
  span.end();
  return mode === 'enforce' ? (result as { value: unknown }).value : value;
}
