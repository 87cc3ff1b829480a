import type { Span } from '@opentelemetry/api';
import { recordValidation } from '@runproof/core/adapter';
import {
  VALIDATION_CHECKPOINT_VALUE_OUTPUT_PARSER,
  VALIDATION_ISSUE_CODE_VALUE_OUTPUT_PARSER,
  VALIDATION_OUTCOME_VALUE_FAIL,
} from '@runproof/core/semconv';

/**
 * Output parsers that rejected the model's output, recorded as failed validations on the parser's
 * own span only: the same error then passes through every enclosing chain, which must not record
 * it again. The parser's message quotes the output, so only a code goes in the telemetry.
 */
export class ParserFailures {
  readonly #recorded = new WeakSet<object>();

  /** Records `error` on `span` when it is an output parser's rejection not recorded yet. */
  record(span: Span, error: unknown): void {
    if (!isOutputParserError(error) || this.#recorded.has(error)) return;
    this.#recorded.add(error);
    recordValidation(span, {
      checkpoint: VALIDATION_CHECKPOINT_VALUE_OUTPUT_PARSER,
      outcome: VALIDATION_OUTCOME_VALUE_FAIL,
      issues: [
        {
          code: VALIDATION_ISSUE_CODE_VALUE_OUTPUT_PARSER,
          path: [],
          message: 'the output parser rejected the model output',
        },
      ],
    });
  }
}

/** LangChain's `OutputParserException` (its `name` stays `Error`; the class name identifies it). */
function isOutputParserError(error: unknown): error is Error {
  return (
    error instanceof Error &&
    (error.constructor.name === 'OutputParserException' || error.name === 'OutputParserException')
  );
}
