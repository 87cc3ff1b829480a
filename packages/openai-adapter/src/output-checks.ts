/**
 * Automatic validation of what the model returned, with no user code: structured output against
 * the request's JSON schema (`response_format` / `text.format`, which the `openai` Zod helpers
 * build too), each tool call against the tools the request declared (undeclared name, invalid
 * JSON, schema violations), and how the output ended (refusal, truncation, content filter).
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { validateJsonSchema, type Issue, type JsonSchema, type ValidationResult } from '@runproof/core';
import {
  checkJsonOutput,
  checkToolCallArguments,
  classifyFinish,
  keepShapes,
  recordValidation,
  toolDefinitions,
  type Verdict,
} from '@runproof/core/adapter';
import {
  VALIDATION_CHECKPOINT_VALUE_FINISH,
  VALIDATION_CHECKPOINT_VALUE_RESPONSE_FORMAT,
  VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS,
  VALIDATION_OUTCOME_VALUE_FAIL,
  VALIDATION_OUTCOME_VALUE_PASS,
} from '@runproof/core/semconv';
import type { ParsedJson } from './conditions.ts';
import { recordOr } from './values.ts';

/** The checks one call's output went through, added up across choices. */
export class OutputChecks {
  readonly checkpoints: string[] = [];
  readonly issues: Issue[] = [];
  /** Each checkpoint's own issues (in the order of `checkpoints`): its verdict. */
  readonly issuesByCheckpoint: Issue[][] = [];

  add(checkpoint: string, result: ValidationResult, prefix: (string | number)[]): void {
    let index = this.checkpoints.indexOf(checkpoint);
    if (index === -1) index = this.checkpoints.push(checkpoint) - 1;
    const own = (this.issuesByCheckpoint[index] ??= []);
    for (const issue of result.issues) {
      const located = { ...issue, path: [...prefix, ...issue.path] };
      this.issues.push(located);
      own.push(located);
    }
  }
}

// No checks, kept for the class's shape (see `keepShapes`).
keepShapes(new OutputChecks());

const toolsCache = new WeakMap<object, Map<string, JsonSchema | undefined>>();

/**
 * The tools a request declared, by name, with a function tool's parameters' schema (a custom
 * tool's input is free-form: `undefined`). Chat's format and the Responses API's, read through
 * the adapter kit's `toolDefinitions`. Cached per `tools` array.
 */
export function declaredTools(tools: unknown): Map<string, JsonSchema | undefined> | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  let declared = toolsCache.get(tools);
  if (declared !== undefined) return declared;
  declared = new Map();
  for (const definition of toolDefinitions(tools)) {
    if (definition.name === undefined) continue;
    const parameters = definition.type === 'function' ? definition.parameters : undefined;
    declared.set(
      definition.name,
      typeof parameters === 'object' && parameters !== null ? (parameters as JsonSchema) : undefined,
    );
  }
  toolsCache.set(tools, declared);
  return declared;
}

/** The JSON schema a structured output must match, from chat's `response_format` or Responses' `text.format`. */
export function structuredOutputSchema(format: unknown): JsonSchema | undefined {
  const record = recordOr(format);
  if (record?.type !== 'json_schema') return undefined;
  const schema = recordOr(record.json_schema)?.schema ?? record.schema;
  return typeof schema === 'object' && schema !== null ? (schema as JsonSchema) : undefined;
}

/**
 * Checks a structured output's text against the request's JSON schema (`response_format`
 * checkpoint). `parsed`: the text already parsed (for its shape), so it is not parsed twice.
 */
export function checkStructuredOutput(
  checks: OutputChecks,
  schema: JsonSchema,
  text: string,
  prefix: (string | number)[],
  parsed?: ParsedJson,
): void {
  const result = parsed?.valid === true ? validateJsonSchema(schema, parsed.value) : checkJsonOutput(schema, text);
  checks.add(VALIDATION_CHECKPOINT_VALUE_RESPONSE_FORMAT, result, prefix);
}

/** Checks one tool call against the declared tools: its name, its JSON, its schema (`tool_calls` checkpoint). */
export function checkToolCall(
  checks: OutputChecks,
  tools: Map<string, JsonSchema | undefined>,
  name: string,
  argumentsText: string | undefined,
  prefix: (string | number)[],
): void {
  checks.add(
    VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS,
    checkToolCallArguments({ name, arguments: argumentsText }, tools),
    prefix,
  );
}

/** Records a refusal, a truncated output or a content filter stop (`finish` checkpoint). */
export function checkEnding(
  checks: OutputChecks,
  finishReason: string | undefined,
  refusal: string | undefined,
  prefix: (string | number)[],
): void {
  const result = classifyFinish({ finishReason, refusal });
  if (result !== undefined) checks.add(VALIDATION_CHECKPOINT_VALUE_FINISH, result, prefix);
}

/**
 * Puts the outcome of the checks on the call's span: nothing when nothing was checked, else `pass`
 * or `fail` with the issues, whose messages (they may quote the output) only when
 * `captureContent`. The span's attributes go into `attributes` (written as the span ends). The
 * schema's digest is not repeated here: it is part of the call's fingerprint (the response format).
 */
export function recordChecks(
  span: Span,
  checks: OutputChecks | undefined,
  captureContent: boolean,
  attributes: Attributes,
): void {
  if (checks === undefined || checks.checkpoints.length === 0) return;
  const record = {
    checkpoint: checks.checkpoints.join('+'),
    outcome: checks.issues.length > 0 ? VALIDATION_OUTCOME_VALUE_FAIL : VALIDATION_OUTCOME_VALUE_PASS,
    issues: checks.issues,
    // One evaluation per check, so an evaluation view shows which one failed.
    verdicts: checks.checkpoints.map((checkpoint, index): Verdict => {
      const issues = checks.issuesByCheckpoint[index] ?? [];
      return {
        checkpoint,
        outcome: issues.length > 0 ? VALIDATION_OUTCOME_VALUE_FAIL : VALIDATION_OUTCOME_VALUE_PASS,
        issues,
      };
    }),
  } as const;
  recordValidation(span, record, { captureContent, attributes });
}
