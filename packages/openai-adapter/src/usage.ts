import type { CallOutput } from './surface.ts';
import { numberOr, recordOr } from './values.ts';

/**
 * Reads token usage into `output`, in either naming: chat completions and embeddings
 * (`prompt_tokens`, `completion_tokens`, `*_tokens_details`) or the Responses API
 * (`input_tokens`, `output_tokens`, `*_tokens_details`).
 */
export function readUsage(value: unknown, output: CallOutput): void {
  const usage = recordOr(value);
  if (usage === undefined) return;
  output.inputTokens = numberOr(usage.input_tokens) ?? numberOr(usage.prompt_tokens);
  output.outputTokens = numberOr(usage.output_tokens) ?? numberOr(usage.completion_tokens);
  const inputDetails = recordOr(usage.input_tokens_details) ?? recordOr(usage.prompt_tokens_details);
  output.cacheReadTokens = numberOr(inputDetails?.cached_tokens);
  const outputDetails = recordOr(usage.output_tokens_details) ?? recordOr(usage.completion_tokens_details);
  output.reasoningTokens = numberOr(outputDetails?.reasoning_tokens);
}
