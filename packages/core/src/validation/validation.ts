import type { Attributes, Span } from '@opentelemetry/api';
import { capBytes } from '../telemetry/content.ts';
import { formatPath, type Issue } from '../errors.ts';
import type { ValidationOutcome, ValidationResult } from './result.ts';
import { getInstruments } from '../telemetry/instruments.ts';
import { validateJsonSchema, type JsonSchema } from './json-schema.ts';
import { safely } from '../safely.ts';
import { getSettings } from '../settings.ts';
import {
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_RUNPROOF_VALIDATION_CHECKPOINT,
  ATTR_RUNPROOF_VALIDATION_ISSUE_CODES,
  ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT,
  ATTR_RUNPROOF_VALIDATION_ISSUE_MESSAGES,
  ATTR_RUNPROOF_VALIDATION_ISSUE_PATHS,
  ATTR_RUNPROOF_VALIDATION_OUTCOME,
  ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST,
  EVENT_GEN_AI_EVALUATION_RESULT,
  EVENT_RUNPROOF_VALIDATION_FAILURE,
  VALIDATION_ISSUE_CODE_VALUE_CONTENT_FILTER,
  VALIDATION_ISSUE_CODE_VALUE_INVALID_JSON,
  VALIDATION_ISSUE_CODE_VALUE_REFUSAL,
  VALIDATION_ISSUE_CODE_VALUE_TRUNCATED,
  VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL,
  VALIDATION_OUTCOME_VALUE_NONE,
} from '../semconv.ts';

export type { ValidationOutcome, ValidationResult };

/** What {@link recordValidation} puts on a span. */
export interface ValidationRecord {
  /** Low-cardinality name of the check (a metric dimension), e.g. `invoice.fields`, `response_format`. */
  checkpoint: string;
  outcome: ValidationOutcome;
  /** `ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST`, e.g. from `jsonSchemaDigest` or `standardSchemaDigest`. */
  schemaDigest?: string;
  issues?: readonly Issue[];
  /**
   * The verdict of each check the record adds up (an output's `response_format` and `finish`
   * checks), one `EVENT_GEN_AI_EVALUATION_RESULT` event each. Default: one verdict, the record's own.
   */
  verdicts?: readonly Verdict[];
}

/** One check's verdict: an `EVENT_GEN_AI_EVALUATION_RESULT` event. */
export interface Verdict {
  /** `ATTR_GEN_AI_EVALUATION_NAME`: the checkpoint. */
  checkpoint: string;
  /** `ATTR_GEN_AI_EVALUATION_SCORE_LABEL`. */
  outcome: Exclude<ValidationOutcome, 'none'>;
  /** What it found; their paths and messages are the explanation, with content capture on. */
  issues: readonly Issue[];
}

/** At most this many issues go into a failure event. */
const MAX_EVENT_ISSUES = 50;

/**
 * For adapters: records a check on an existing span (a model or tool span) exactly as a checkpoint
 * does on its own span: `ATTR_RUNPROOF_VALIDATION_OUTCOME`, the checkpoint name, schema digest and,
 * when there are issues, their count; an `EVENT_RUNPROOF_VALIDATION_FAILURE` event with the issues'
 * codes and paths (and their messages only when content capture is on: `options.captureContent`,
 * the adapter's own setting, else the global one), the `METRIC_RUNPROOF_VALIDATION_CHECKS` metric,
 * and for evaluation views the GenAI conventions' `EVENT_GEN_AI_EVALUATION_RESULT` event per
 * verdict: `ATTR_GEN_AI_EVALUATION_NAME` (the checkpoint), `ATTR_GEN_AI_EVALUATION_SCORE_LABEL`
 * (`pass`, `fail`, `repaired`) and, only with content capture on, `ATTR_GEN_AI_EVALUATION_EXPLANATION`
 * (the issues' paths and messages, redacted and capped). `span` is the span whose output was
 * judged. `none` sets only the outcome. `options.attributes`: an adapter that writes its span's
 * attributes in one go at the end gets the validation attributes added to that object instead of
 * set on the span. Never throws.
 *
 * @example
 * recordValidation(span, { checkpoint: 'response_format', schemaDigest: jsonSchemaDigest(schema), ...validateJsonSchema(schema, parsed) });
 */
export function recordValidation(
  span: Span,
  record: ValidationRecord,
  options: { captureContent?: boolean; attributes?: Attributes } = {},
): void {
  safely('recording a validation', undefined, () => {
    const attributes: Attributes = options.attributes ?? {};
    if (record.outcome === VALIDATION_OUTCOME_VALUE_NONE) {
      attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME] = VALIDATION_OUTCOME_VALUE_NONE;
      if (options.attributes === undefined) span.setAttributes(attributes);
      return;
    }
    const issues = record.issues ?? [];
    attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME] = record.outcome;
    attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT] = record.checkpoint;
    // A count of zero says what the outcome already says.
    if (issues.length > 0) attributes[ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT] = issues.length;
    if (record.schemaDigest !== undefined) attributes[ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST] = record.schemaDigest;
    if (options.attributes === undefined) span.setAttributes(attributes);
    if (issues.length > 0)
      span.addEvent(EVENT_RUNPROOF_VALIDATION_FAILURE, failureAttributes(issues, options.captureContent));
    for (const verdict of record.verdicts ?? [{ checkpoint: record.checkpoint, outcome: record.outcome, issues }])
      span.addEvent(EVENT_GEN_AI_EVALUATION_RESULT, evaluationAttributes(verdict, options.captureContent));
    getInstruments().validationChecks.add(1, checkAttributes(record.checkpoint, record.outcome));
  });
}

/**
 * The validation counter's attribute sets and the evaluation events without an explanation: one
 * shared frozen object per checkpoint and outcome (a span copies an event's attributes), found by
 * the outcome, then the checkpoint — strings the caller holds, so no key is built per call.
 */
const checkAttributeSets = new Map<string, Map<string, Attributes>>();
const evaluationAttributeSets = new Map<string, Map<string, Attributes>>();
/** Checkpoint names are the caller's: past this many sets per outcome a cache starts over. */
const MAX_CHECK_ATTRIBUTE_SETS = 1024;

function checkAttributes(checkpoint: string, outcome: string): Attributes {
  return sharedSet(
    checkAttributeSets,
    checkpoint,
    outcome,
    ATTR_RUNPROOF_VALIDATION_CHECKPOINT,
    ATTR_RUNPROOF_VALIDATION_OUTCOME,
  );
}

function sharedSet(
  cache: Map<string, Map<string, Attributes>>,
  checkpoint: string,
  outcome: string,
  checkpointKey: string,
  outcomeKey: string,
): Attributes {
  let byCheckpoint = cache.get(outcome);
  if (byCheckpoint === undefined) cache.set(outcome, (byCheckpoint = new Map<string, Attributes>()));
  let attributes = byCheckpoint.get(checkpoint);
  if (attributes === undefined) {
    attributes = Object.freeze({ [checkpointKey]: checkpoint, [outcomeKey]: outcome });
    if (byCheckpoint.size >= MAX_CHECK_ATTRIBUTE_SETS) byCheckpoint.clear();
    byCheckpoint.set(checkpoint, attributes);
  }
  return attributes;
}

function failureAttributes(issues: readonly Issue[], captureContent: boolean | undefined): Attributes {
  const shown = issues.slice(0, MAX_EVENT_ISSUES);
  const attributes: Attributes = {
    [ATTR_RUNPROOF_VALIDATION_ISSUE_CODES]: shown.map((issue) => issue.code),
    [ATTR_RUNPROOF_VALIDATION_ISSUE_PATHS]: shown.map((issue) => formatPath(issue.path)),
  };
  const settings = getSettings();
  if (captureContent ?? settings.captureContent) {
    // Messages may quote the value that failed, so they count as content: redacted and capped.
    const messages = shown
      .map((issue) =>
        settings.redact === undefined
          ? issue.message
          : settings.redact(issue.message, { attribute: ATTR_RUNPROOF_VALIDATION_ISSUE_MESSAGES }),
      )
      .map((message) => (message === undefined ? '' : capBytes(message, settings.maxContentBytes)));
    attributes[ATTR_RUNPROOF_VALIDATION_ISSUE_MESSAGES] = messages;
  }
  return attributes;
}

function evaluationAttributes(verdict: Verdict, captureContent: boolean | undefined): Attributes {
  if (verdict.issues.length === 0) return sharedEvaluationAttributes(verdict.checkpoint, verdict.outcome);
  const settings = getSettings();
  if (!(captureContent ?? settings.captureContent))
    return sharedEvaluationAttributes(verdict.checkpoint, verdict.outcome);
  const attributes: Attributes = {
    [ATTR_GEN_AI_EVALUATION_NAME]: verdict.checkpoint,
    [ATTR_GEN_AI_EVALUATION_SCORE_LABEL]: verdict.outcome,
  };
  // The messages may quote the output judged: content, redacted and capped like any other.
  const text = verdict.issues
    .slice(0, MAX_EVENT_ISSUES)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  let explanation: unknown;
  try {
    explanation =
      settings.redact === undefined ? text : settings.redact(text, { attribute: ATTR_GEN_AI_EVALUATION_EXPLANATION });
  } catch {
    // A redaction hook that throws drops the value, as it does for every content attribute.
    return attributes;
  }
  if (typeof explanation === 'string')
    attributes[ATTR_GEN_AI_EVALUATION_EXPLANATION] = capBytes(explanation, settings.maxContentBytes);
  return attributes;
}

function sharedEvaluationAttributes(checkpoint: string, outcome: string): Attributes {
  return sharedSet(
    evaluationAttributeSets,
    checkpoint,
    outcome,
    ATTR_GEN_AI_EVALUATION_NAME,
    ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  );
}

/** Tool schemas by tool name, as a request declared them: a JSON Schema, or `undefined` when the tool takes anything. */
export type DeclaredTools =
  ReadonlyMap<string, JsonSchema | undefined> | Readonly<Record<string, JsonSchema | undefined>>;

function isToolMap(tools: DeclaredTools): tools is ReadonlyMap<string, JsonSchema | undefined> {
  return tools instanceof Map;
}

/**
 * For adapters: checks a tool call the model produced before the tool runs. Its name must be one
 * the request declared (`undeclared_tool`), its arguments valid JSON (`invalid_json`) and valid
 * against the tool's JSON Schema (the validator's codes, paths into the arguments). The parsed
 * arguments are `value` when it passes.
 *
 * @example
 * const result = checkToolCallArguments({ name: call.function.name, arguments: call.function.arguments }, { lookup_vendor: lookupVendorParameters });
 * recordValidation(toolSpan, { checkpoint: 'tool.arguments', ...result });
 */
export function checkToolCallArguments(
  call: { name: string; arguments: string | undefined },
  tools: DeclaredTools,
): ValidationResult {
  const declared = tools instanceof Map ? tools.has(call.name) : Object.hasOwn(tools, call.name);
  if (!declared) {
    return {
      outcome: 'fail',
      issues: [
        {
          code: VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL,
          path: [],
          message: `the model called tool "${call.name}", which the request did not declare`,
        },
      ],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.arguments === undefined || call.arguments.trim() === '' ? '{}' : call.arguments);
  } catch (error) {
    return {
      outcome: 'fail',
      issues: [
        {
          code: VALIDATION_ISSUE_CODE_VALUE_INVALID_JSON,
          path: [],
          message: `the arguments are not valid JSON (${(error as Error).message})`,
        },
      ],
    };
  }
  const schema = isToolMap(tools) ? tools.get(call.name) : tools[call.name];
  if (schema === undefined) return { outcome: 'pass', issues: [], value: parsed };
  return validateJsonSchema(schema, parsed);
}

/**
 * For adapters: reads a response's end as a validation outcome. A refusal fails (`refusal`; its text
 * is never recorded); output cut short by the token limit (`finish_reason = length`, the Responses
 * API's `max_output_tokens`) fails (`truncated`); a content filter fails (`content_filter`).
 * `undefined` when the end says nothing about validity.
 *
 * @example
 * const ending = classifyFinish({ finishReason: choice.finish_reason, refusal: choice.message.refusal });
 * if (ending) recordValidation(span, { checkpoint: 'finish', ...ending });
 */
export function classifyFinish(ending: {
  finishReason?: string | null;
  refusal?: string | null;
}): ValidationResult | undefined {
  if (typeof ending.refusal === 'string' && ending.refusal !== '') {
    return {
      outcome: 'fail',
      issues: [{ code: VALIDATION_ISSUE_CODE_VALUE_REFUSAL, path: [], message: 'the model refused' }],
    };
  }
  switch (ending.finishReason) {
    case 'length':
    case 'max_tokens':
    case 'max_output_tokens':
      return {
        outcome: 'fail',
        issues: [
          {
            code: VALIDATION_ISSUE_CODE_VALUE_TRUNCATED,
            path: [],
            message: 'the output was cut short by the token limit',
          },
        ],
      };
    case 'content_filter':
      return {
        outcome: 'fail',
        issues: [
          {
            code: VALIDATION_ISSUE_CODE_VALUE_CONTENT_FILTER,
            path: [],
            message: 'the output was stopped by a content filter',
          },
        ],
      };
    default:
      return undefined;
  }
}

/**
 * For adapters: parses a model's JSON output (a structured output) and checks it against a JSON
 * Schema; `invalid_json` when it does not parse.
 *
 * @example
 * recordValidation(span, { checkpoint: 'response_format', schemaDigest: jsonSchemaDigest(schema), ...checkJsonOutput(schema, message.content) });
 */
export function checkJsonOutput(schema: JsonSchema, text: string): ValidationResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      outcome: 'fail',
      issues: [
        {
          code: VALIDATION_ISSUE_CODE_VALUE_INVALID_JSON,
          path: [],
          message: `the output is not valid JSON (${(error as Error).message})`,
        },
      ],
    };
  }
  return validateJsonSchema(schema, parsed);
}
