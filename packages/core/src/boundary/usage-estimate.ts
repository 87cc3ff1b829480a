/**
 * Usage for budgets when a provider reports none (a stream without
 * `stream_options.include_usage`, a stream cut short), and for the input a call reserves before it
 * is sent. Counted with gpt-tokenizer's `o200k_base` encoding, the one OpenAI's current models use;
 * for other models it is an approximation. The encoding is loaded the first time a count is
 * needed — only runs with a token or cost budget ever need one — and costs about 200 ms and 30 MB
 * of heap once per process; a count then takes about 60 µs per KB of text.
 */
import { createRequire } from 'node:module';
import { warnLoudly } from '../safely.ts';

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;

/** `<|endoftext|>` and the like in a prompt are counted as the text they are, never refused. */
const COUNT_OPTIONS = { disallowedSpecial: new Set<string>() };

/** Characters per token assumed only if the tokenizer cannot be loaded: fewer than any encoding's average, so the count errs high. */
const FALLBACK_CHARACTERS_PER_TOKEN = 3;

const load = createRequire(import.meta.url);
let countTokens: CountTokens | null | undefined;

/**
 * What a model call used, once it answered. A count the provider did not report is estimated for
 * the budgets — never taken as zero: the input from the request's `inputText`, the output from
 * `outputText`, else from `outputChunks` — and the span is marked `ATTR_RUNPROOF_USAGE_ESTIMATED`.
 */
export interface ModelCallUsage {
  /** Reported input tokens. */
  inputTokens?: number;
  /** Reported output tokens. */
  outputTokens?: number;
  /** The model that answered (`ATTR_GEN_AI_RESPONSE_MODEL`); prices it when given. Default: the requested model. */
  model?: string;
  /** What the model wrote (text, refusals, tool calls and their arguments). Called only when `outputTokens` is missing and a budget needs it. */
  outputText?: () => string;
  /** Chunks streamed, each counted as a token when `outputTokens` is missing and there is no `outputText`. Default: 0. */
  outputChunks?: number;
}

/**
 * The tokens a call used, as far as the budgets are concerned: what the provider reported, else,
 * for a call that answered and when `inputEstimate` is given (the run has a token or cost budget),
 * an estimate — unknown usage is never zero. `estimated` when either count is one.
 */
export function usedTokens(
  usage: ModelCallUsage | undefined,
  inputEstimate: number | undefined,
): { inputTokens: number; outputTokens: number; estimated: boolean } {
  const reportedInput = reported(usage?.inputTokens);
  const reportedOutput = reported(usage?.outputTokens);
  if (usage === undefined || inputEstimate === undefined)
    return { inputTokens: reportedInput ?? 0, outputTokens: reportedOutput ?? 0, estimated: false };
  let outputTokens = reportedOutput;
  if (outputTokens === undefined) {
    const text = usage.outputText?.() ?? '';
    outputTokens = text === '' ? (reported(usage.outputChunks) ?? 0) : estimateTokens(text);
  }
  return {
    inputTokens: reportedInput ?? inputEstimate,
    outputTokens,
    estimated: reportedInput === undefined || reportedOutput === undefined,
  };
}

/** A count as reported: a finite, non-negative number; `undefined` otherwise. */
function reported(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The number of tokens in `text`, by the tokenizer; 0 for an empty text. Never throws: should the
 * tokenizer fail to load, it counts one token per 3 characters and says so once on stderr.
 *
 * @example
 * estimateTokens('What is the capital of France?') // 7
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const count = loadTokenizer();
  if (count !== null) {
    try {
      return count(text, COUNT_OPTIONS);
    } catch {
      // Fall through to the character count: a budget must never count unknown usage as zero.
    }
  }
  return Math.ceil(text.length / FALLBACK_CHARACTERS_PER_TOKEN);
}

function loadTokenizer(): CountTokens | null {
  if (countTokens !== undefined) return countTokens;
  try {
    // The CommonJS build loads synchronously, and this runs where the call is being guarded.
    const tokenizer = load('gpt-tokenizer/encoding/o200k_base') as { countTokens?: unknown };
    if (typeof tokenizer.countTokens !== 'function') throw new TypeError('it has no countTokens()');
    countTokens = tokenizer.countTokens as CountTokens;
  } catch (error) {
    countTokens = null;
    warnLoudly(
      'tokenizer',
      `runproof: the gpt-tokenizer package could not be loaded (${error instanceof Error ? error.message : String(error)}); token and cost budgets count unreported usage as one token per ${FALLBACK_CHARACTERS_PER_TOKEN} characters. Reinstall @runproof/core.`,
    );
  }
  return countTokens;
}
