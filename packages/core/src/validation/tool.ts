import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { reportObserved } from '../run/report.ts';
import { guardToolCall } from '../boundary/guards.ts';
import { describeType, findNameProblem, invalidArgument } from '../run/argument-checks.ts';
import { RunproofError, ValidationError } from '../errors.ts';
import { markError } from '../telemetry/span-status.ts';
import { safely } from '../safely.ts';
import { captureContent } from '../telemetry/content.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from '../semconv.ts';
import {
  findMalformedResult,
  fromStandardIssues,
  INVALID_SCHEMA,
  isStandardSchema,
  standardSchemaDigest,
  type StandardSchemaV1,
} from './standard-schema.ts';
import { recordValidation } from './validation.ts';
import { coreTracer } from '../telemetry/scope.ts';

/** Options of {@link tool}. */
export interface ToolOptions {
  /** A Standard Schema (e.g. Zod) for the tool's first argument, checked before the tool runs. Default: none. */
  arguments?: StandardSchemaV1;
  /** `record` runs the tool whatever the check says; `enforce` throws a `ValidationError` instead of running it. Default: `record`. */
  mode?: 'record' | 'enforce';
  /** `ATTR_GEN_AI_TOOL_TYPE`. Default: `function`. */
  type?: string;
}

/** What {@link tool} returns: the tool itself, and {@link ToolFunction.forCall} for a call the model asked for. */
export type ToolFunction<Args extends unknown[], Result, This = unknown> = ((
  this: This,
  ...args: Args
) => Promise<Awaited<Result>>) & {
  /**
   * The same tool for one tool call of a model, whose span carries `ATTR_GEN_AI_TOOL_CALL_ID` =
   * `callId` (the id in the model's response, e.g. OpenAI's `tool_calls[i].id`), so a trace view
   * pairs the call with the model turn that asked for it. `undefined` records no id.
   *
   * @example
   * const result = await lookupVendor.forCall(call.id)(JSON.parse(call.function.arguments));
   */
  forCall(callId: string | undefined): (this: This, ...args: Args) => Promise<Awaited<Result>>;
};

/**
 * Wraps a tool your code runs (e.g. the functions behind OpenAI tool calls) so each call is an
 * `execute_tool {name}` span, guarded by the run's boundary (allowed tools, call limits, deadline)
 * before it runs, with its arguments optionally checked, and its error or result recorded. The
 * wrapper calls `fn` with the `this` it was called with (so a wrapped method keeps its object),
 * returns a promise of what `fn` returns and rethrows what it throws; a `halt` rejects with a
 * `BoundaryViolationError` without calling `fn`. What `fn` throws is the tool's data (it often
 * quotes the tool's input): its message is recorded only when content capture is on, on this span
 * and on every span the error goes on to fail. Bad arguments throw a `RunproofError` at once, not
 * when the tool is first called: a bad name (the rule `run()` and `checkpoint()` apply), an `fn`
 * that is not a function or an unknown `mode` with code `RUNPROOF_INVALID_ARGUMENT`, an `arguments`
 * that is not a Standard Schema with `RUNPROOF_INVALID_SCHEMA` (as does one whose `validate()`
 * returns a malformed result, when the tool is called). The span carries `ATTR_GEN_AI_TOOL_NAME`,
 * `ATTR_GEN_AI_TOOL_TYPE` and, called through `forCall(id)`, `ATTR_GEN_AI_TOOL_CALL_ID`.
 *
 * @example
 * const lookupVendor = tool('lookup_vendor', async ({ vendorId }: { vendorId: string }) => vendors.get(vendorId), {
 *   arguments: z.object({ vendorId: z.string() }),
 * });
 * const vendor = await lookupVendor.forCall(call.id)(JSON.parse(call.function.arguments));
 */
export function tool<Args extends unknown[], Result, This = unknown>(
  name: string,
  fn: (this: This, ...args: Args) => Result | Promise<Result>,
  options: ToolOptions = {},
): ToolFunction<Args, Result, This> {
  checkTool(name, fn, options);
  const checkpointName = `${name}.arguments`;
  const spanName = `${GEN_AI_OPERATION_VALUE_EXECUTE_TOOL} ${name}`;
  const type = options.type ?? GEN_AI_TOOL_TYPE_VALUE_FUNCTION;
  async function invoke(self: This, args: Args, callId: string | undefined): Promise<Awaited<Result>> {
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: name,
      [ATTR_GEN_AI_TOOL_TYPE]: type,
    };
    if (typeof callId === 'string' && callId !== '') attributes[ATTR_GEN_AI_TOOL_CALL_ID] = callId;
    const span = coreTracer().startSpan(spanName, { kind: SpanKind.INTERNAL, attributes });
    try {
      const ticket = guardToolCall({ tool: name }, span);
      ticket.settle();
      reportObserved({ toolsCalled: [name] });
      captureContent(span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, args.length === 1 ? args[0] : args);
      if (options.arguments !== undefined)
        await checkArguments(span, options.arguments, args[0], checkpointName, options.mode ?? 'record');
      let result: Awaited<Result>;
      try {
        result = await context.with(trace.setSpan(context.active(), span), () => Reflect.apply(fn, self, args));
      } catch (error) {
        markError(span, error, { quotesContent: true });
        span.end();
        throw error;
      }
      captureContent(span, ATTR_GEN_AI_TOOL_CALL_RESULT, result);
      span.end();
      return result;
    } catch (error) {
      if (span.isRecording()) {
        markError(span, error);
        span.end();
      }
      throw error;
    }
  }
  const runTool = function runTool(this: This, ...args: Args): Promise<Awaited<Result>> {
    return invoke(this, args, undefined);
  } as ToolFunction<Args, Result, This>;
  runTool.forCall = (callId) =>
    function runToolCall(this: This, ...args: Args): Promise<Awaited<Result>> {
      return invoke(this, args, callId);
    };
  return runTool;
}

function checkTool(name: unknown, fn: unknown, options: unknown): void {
  const problems: string[] = [];
  const nameProblem = findNameProblem(name);
  if (nameProblem !== undefined) problems.push(nameProblem);
  if (typeof fn !== 'function') problems.push(`the tool must be a function (got ${describeType(fn)})`);
  if (typeof options !== 'object' || options === null)
    problems.push(`options must be an object (got ${describeType(options)})`);
  else {
    const { mode } = options as ToolOptions;
    if (mode !== undefined && mode !== 'record' && mode !== 'enforce')
      problems.push('mode must be "record" or "enforce"');
  }
  const call = nameProblem === undefined ? `tool("${name as string}")` : 'tool()';
  if (problems.length > 0) throw invalidArgument(call, problems);
  const schema = (options as ToolOptions).arguments;
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new RunproofError(
      INVALID_SCHEMA,
      `${call}: arguments must implement Standard Schema v1 (a "~standard" property with validate()), e.g. a Zod 4 schema`,
    );
  }
}

async function checkArguments(
  span: Span,
  schema: StandardSchemaV1,
  value: unknown,
  checkpoint: string,
  mode: 'record' | 'enforce',
): Promise<void> {
  const result = await schema['~standard'].validate(value);
  const malformed = findMalformedResult(result);
  if (malformed !== undefined)
    throw new RunproofError(
      INVALID_SCHEMA,
      `checkpoint("${checkpoint}"): the schema's validate() returned a malformed result: ${malformed}`,
    );
  const issues = result.issues === undefined ? [] : fromStandardIssues(result.issues);
  recordValidation(span, {
    checkpoint,
    outcome: result.issues === undefined ? 'pass' : 'fail',
    schemaDigest: safely('digesting a schema', undefined, () => standardSchemaDigest(schema)),
    issues,
  });
  if (issues.length > 0 && mode === 'enforce') {
    const error = new ValidationError(checkpoint, issues);
    span.setAttribute(ATTR_ERROR_TYPE, error.code);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `checkpoint "${checkpoint}" failed with ${issues.length} issue${issues.length === 1 ? '' : 's'}`,
    });
    span.end();
    throw error;
  }
}
