import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Options of the `openai` auto-instrumentation ({@link createInstrumentation}). */
export interface OpenAIInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompts, instructions, completions, tool definitions and tool-call arguments as the
   * `ATTR_GEN_AI_INPUT_MESSAGES`, `ATTR_GEN_AI_SYSTEM_INSTRUCTIONS`, `ATTR_GEN_AI_OUTPUT_MESSAGES` and
   * `ATTR_GEN_AI_TOOL_DEFINITIONS` span attributes (JSON, passed through the `redact` hook and cut to
   * `maxContentBytes` each).
   *
   * Default: what `start()` resolved — its `captureContent` option, else
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, else `false`. Set here, it wins over both.
   */
  captureContent?: boolean;
  /**
   * Ask the API for the usage of streamed chat completions: adds `stream_options.include_usage:
   * true` to a streamed `chat.completions.create` request that does not set it itself, so token
   * and cost budgets and the GenAI usage attributes get the reported usage instead of an estimate
   * (`ATTR_RUNPROOF_USAGE_ESTIMATED`). It changes what the app receives: the stream ends with one
   * more chunk, whose `choices` is empty and which carries `usage` — code that reads
   * `chunk.choices[0]` without checking breaks on it. The Responses API always reports usage.
   *
   * Default: `false` (the request is sent as the app wrote it).
   */
  includeStreamUsage?: boolean;
}
