/**
 * Tool calls LangChain rejects before any callback fires, because their arguments fail the tool's
 * schema: the adapter still records them, as a failed `execute_tool` span with the schema's issues.
 */
import { context, SpanKind, type Tracer } from '@opentelemetry/api';
import { isStandardSchema, standardSchemaDigest, validateStandardSchema, type Issue } from '@runproof/core';
import { markError, recordValidation, safely } from '@runproof/core/adapter';
import {
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  VALIDATION_ISSUE_CODE_VALUE_INVALID,
  VALIDATION_OUTCOME_VALUE_FAIL,
} from '@runproof/core/semconv';
import type { RunRecord } from './open-runs.ts';
import { settleLater, toolAttributes } from './tool-runs.ts';

/** Checkpoint of a tool's argument check: `{tool name}.arguments`, as core's tool checks name it. */
export const TOOL_ARGUMENTS_CHECKPOINT_SUFFIX = '.arguments';

/** A tool call LangChain rejected: the tool, what it was called with, and LangChain's error. */
export interface RejectedToolCall {
  name: string;
  toolCallId: string | undefined;
  schema: unknown;
  input: unknown;
  error: unknown;
}

/** What the tool's schema says about arguments LangChain rejected. */
export interface ToolInputCheck {
  issues: Issue[];
  schemaDigest: string | undefined;
}

/**
 * Records a rejected tool call as an `execute_tool` span below `parent` (the run that called the
 * tool), with validation outcome `fail` and the issues the schema finds; like any failed tool, it
 * ends when its parent does.
 */
export async function recordRejectedToolCall(
  tracer: () => Tracer,
  parent: RunRecord | undefined,
  call: RejectedToolCall,
): Promise<void> {
  const span = safely('recording a tool argument failure', undefined, () =>
    tracer().startSpan(
      `${GEN_AI_OPERATION_VALUE_EXECUTE_TOOL} ${call.name}`,
      { kind: SpanKind.INTERNAL, attributes: toolAttributes(call.name, call.toolCallId) },
      parent?.context ?? context.active(),
    ),
  );
  if (span === undefined) return;
  const check = await checkToolInput(call.schema, call.input);
  safely('recording a tool argument failure', undefined, () => {
    recordValidation(span, {
      checkpoint: `${call.name}${TOOL_ARGUMENTS_CHECKPOINT_SUFFIX}`,
      outcome: VALIDATION_OUTCOME_VALUE_FAIL,
      issues: check.issues,
      schemaDigest: check.schemaDigest,
    });
    markError(span, call.error);
    settleLater(span, parent);
  });
}

/**
 * The issues a tool's schema finds in `input`, through the Standard Schema interface Zod (v3.24+,
 * v4), Valibot and ArkType implement. LangChain throws a `ToolInputParsingException` that carries
 * only prose, so the adapter asks the schema again for codes and paths. A JSON-schema tool, or a
 * schema that throws, gives one generic issue.
 */
export async function checkToolInput(schema: unknown, input: unknown): Promise<ToolInputCheck> {
  if (isStandardSchema(schema)) {
    try {
      const result = await validateStandardSchema(schema, input);
      if (result.issues.length > 0) return { issues: result.issues, schemaDigest: standardSchemaDigest(schema) };
    } catch {
      // The validator itself failed; fall through to the generic issue.
    }
  }
  return {
    issues: [
      { code: VALIDATION_ISSUE_CODE_VALUE_INVALID, path: [], message: 'the arguments did not match the tool schema' },
    ],
    schemaDigest: undefined,
  };
}
