/**
 * The text a simulated model writes when no script says otherwise: a deterministic, realistic
 * few-sentence answer derived from the prompt, and the token arithmetic (~4 characters a token)
 * used for usage and for splitting streams into chunks.
 */
import { hashString } from './identity.ts';

const SENTENCES = [
  'The most reliable approach is to start from the facts you already have and verify each assumption in turn.',
  'In practice, teams see the best results when they measure the outcome before and after every change.',
  'Keep the first version small, write down the decisions you make, and revisit them after a week of real use.',
  'If anything is still unclear, the safest next step is to gather one more data point before committing.',
  'Most of the cost usually comes from rework, so a short review at the start tends to pay for itself.',
  'Finally, agree on what success looks like so that everyone can tell when the work is actually done.',
];

/**
 * A 60-80 word answer that starts from the user's words; `variant` (the choice index when `n > 1`)
 * picks different sentences.
 *
 * @example
 * createDefaultReply('What is the capital of France?')
 * // → 'Based on your question about "What is the capital of France?", here is a short answer. …'
 */
export function createDefaultReply(prompt: string, variant = 0): string {
  const topic = summarizeTopic(prompt);
  const opening = topic
    ? `Based on your question about "${topic}", here is a short answer.`
    : 'Here is a short answer.';
  return [opening, ...pickSentences(hashString(prompt) + variant, 4)].join(' ');
}

/** The answer after a tool result: it names the tool and quotes the start of its output. */
export function createToolSummaryReply(toolName: string | undefined, output: string, variant = 0): string {
  const excerpt = truncateWords(output.replace(/\s+/g, ' ').trim(), 16);
  const opening = `Based on the ${toolName ?? 'tool'} result (${excerpt || 'no output'}), here is what I found.`;
  return [opening, ...pickSentences(hashString(output) + variant, 3)].join(' ');
}

/** A JSON object for `response_format: { type: 'json_object' }`. */
export function createJsonObjectReply(prompt: string): string {
  return JSON.stringify({
    answer: createDefaultReply(prompt),
    topic: summarizeTopic(prompt) || null,
    confidence: 0.92,
  });
}

// Words with their leading space, runs of punctuation, and JSON structure each make one token,
// which is close to how the real API splits streamed content and tool-call arguments.
const TOKEN_PATTERN = /\s*[\p{L}\p{N}_]+|\s*[^\p{L}\p{N}_\s]+|\s+/gu;

/** Splits text into token-like pieces that concatenate back to the text. */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN_PATTERN) ?? [];
}

/** The real API's ~4 characters per token, at least 1 for non-empty text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** The first `maxTokens` token-like pieces of `text`, for `max_tokens` / `max_output_tokens`. */
export function truncateToTokens(text: string, maxTokens: number): string {
  return splitTokens(text).slice(0, Math.max(0, maxTokens)).join('');
}

/** The text of a message content: a string or an array of `{ type: 'text' | 'input_text', text }` parts. */
export function extractText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      text += (text ? '\n' : '') + (part as { text: string }).text;
    }
  }
  return text;
}

function summarizeTopic(prompt: string): string {
  return truncateWords(prompt.replace(/\s+/g, ' ').trim(), 12);
}

function truncateWords(text: string, maxWords: number): string {
  const words = text.split(' ');
  return words.length <= maxWords ? text : words.slice(0, maxWords).join(' ') + '…';
}

function pickSentences(seed: number, count: number): string[] {
  return Array.from({ length: count }, (_, offset) => SENTENCES[(seed + offset) % SENTENCES.length]!);
}
