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
}
