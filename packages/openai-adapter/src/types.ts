import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Options of the `openai` auto-instrumentation ({@link createInstrumentation}). */
export interface OpenAIInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompts, instructions, completions, tool definitions and tool-call arguments as the
   * `gen_ai.input.messages`, `gen_ai.system_instructions`, `gen_ai.output.messages` and
   * `gen_ai.tool.definitions` span attributes (JSON, passed through the `redact` hook and cut to
   * `maxContentBytes` each).
   *
   * Default: what `start()` resolved — its `captureContent` option, else
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, else `false`. Set here, it wins over both.
   */
  captureContent?: boolean;
}
