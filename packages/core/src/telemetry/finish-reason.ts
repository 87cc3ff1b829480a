/**
 * For adapters: how an OpenAI Responses API result ended, in chat completions' finish-reason terms,
 * so `ATTR_GEN_AI_RESPONSE_FINISH_REASONS` reads the same whichever API answered. `completed` is
 * `stop` (`tool_calls` when the model called tools); `incomplete` is `length` at the token limit,
 * else its reason; `failed` is `error`; `cancelled` stays; any other status gives none.
 *
 * @example
 * responsesFinishReason({ status: 'incomplete', incompleteReason: 'max_output_tokens', calledTools: false }) // 'length'
 */
export function responsesFinishReason(end: {
  status: unknown;
  incompleteReason: string | undefined;
  calledTools: boolean;
}): string | undefined {
  switch (end.status) {
    case 'completed':
      return end.calledTools ? 'tool_calls' : 'stop';
    case 'incomplete':
      return end.incompleteReason === 'max_output_tokens' ? 'length' : (end.incompleteReason ?? 'incomplete');
    case 'failed':
      return 'error';
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}
