import type { Attributes, Span } from '@opentelemetry/api';
import { keepShapes } from '@runproof/core/adapter';
import type { ConditionsKey, DeclaredRequest } from './call-conditions.ts';
import type { GenAIMessage } from './content.ts';
import type { OutputChecks } from './output-checks.ts';

/** A request body as the caller passed it to `create`. */
export type RequestBody = Readonly<Record<string, unknown>>;

export type { DeclaredRequest };

/** What a call returned, gathered from a JSON response or from stream chunks, before it becomes attributes. */
export class CallOutput {
  responseId: string | undefined;
  responseModel: string | undefined;
  finishReasons: string[] = [];
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
  reasoningTokens: number | undefined;
  serviceTier: string | undefined;
  systemFingerprint: string | undefined;
  /** Names of the tools the model asked for, in order. */
  toolsCalled: string[] = [];
  /** One structure descriptor per choice / output; their digest is `ATTR_RUNPROOF_OUTPUT_SHAPE`. */
  shapes: unknown[] = [];
  /** GenAI output messages, only when content is captured. */
  messages: GenAIMessage[] | undefined;
  /** Set when the response itself reports a failure (a Responses API `failed` status), or is no response of the API. */
  errorType: string | undefined;
  /** The span's status message with `errorType`, when there is more to say than the type. */
  errorMessage: string | undefined;
  /** The automatic validation the output went through. */
  checks: OutputChecks | undefined;
  /**
   * What the model wrote (text, refusals, tool calls), gathered only when the usage went
   * unreported: a run's token and cost budgets then count its tokens instead.
   */
  text: string | undefined;
}

// An empty output, kept for the class's shape (see `keepShapes`).
keepShapes(new CallOutput());

/** Reads a stream's chunks as they pass and, at the end, what they added up to. */
export interface StreamReader {
  read(chunk: unknown): void;
  /**
   * Fills `output` from everything read so far (the stream may have been cut short), once, then
   * lets go of what it read: the call may stay reachable a while after it ended, and the chunks
   * it held would be copied by every young-generation collection until then.
   */
  complete(output: CallOutput): void;
}

/** One instrumented SDK method: how its requests and results map to telemetry. */
export interface Surface {
  /** The SDK method, for messages, e.g. `chat.completions.create`. */
  readonly method: string;
  /** `ATTR_GEN_AI_OPERATION_NAME`. */
  readonly operation: string;
  /** `ATTR_OPENAI_API_TYPE`, when the conventions define one. */
  readonly apiType: string | undefined;
  /** Adds the request attributes to `attributes`. */
  describe(body: RequestBody, attributes: Attributes): void;
  /** Writes to `key` everything of the request that {@link declare} reads (not the model: the caller keys it). */
  keyConditions(body: RequestBody, key: ConditionsKey): void;
  /** The request's declared conditions; asked only for a key not seen before. */
  declare(body: RequestBody): DeclaredRequest;
  /** Records the opt-in input content attributes on `span`. */
  captureInput(body: RequestBody, span: Span): void;
  /** The text the model reads, for an estimate of the input tokens (see `usage-text.ts`). */
  inputText(body: RequestBody): string;
  /** Fills `output` from a JSON result. */
  readResult(result: unknown, body: RequestBody, output: CallOutput, capture: boolean): void;
  /**
   * A reader for the chunks of a streamed result. `keepText`: the output's text is needed (a run's
   * budget counts its tokens should the stream report no usage), keep it even when nothing else would.
   */
  createStreamReader(body: RequestBody, capture: boolean, keepText: boolean): StreamReader;
}
