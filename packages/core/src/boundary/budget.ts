import { findBestMatch } from './glob.ts';
import type { ModelPrice } from './policy.ts';

/** A model call's share of a run's budget, held from before the call until it settles. */
export interface Reservation {
  tokens: number;
  costUsd: number;
}

/**
 * What a run has spent of its policy's budgets: calls made, tokens and cost used, and what the calls
 * in flight have reserved. One per run with a policy; concurrent calls of the run share it, so two
 * parallel calls cannot both take the last of a budget.
 */
export class RunBudget {
  modelCalls = 0;
  toolCalls = 0;
  readonly toolCallsByName = new Map<string, number>();
  usedTokens = 0;
  reservedTokens = 0;
  usedCostUsd = 0;
  reservedCostUsd = 0;

  reserve(reservation: Reservation): void {
    this.reservedTokens += reservation.tokens;
    this.reservedCostUsd += reservation.costUsd;
  }

  /** Gives a reservation back and counts what the call actually used. */
  settle(reservation: Reservation, usedTokens: number, usedCostUsd: number): void {
    this.reservedTokens = Math.max(0, this.reservedTokens - reservation.tokens);
    this.reservedCostUsd = Math.max(0, this.reservedCostUsd - reservation.costUsd);
    this.usedTokens += usedTokens;
    this.usedCostUsd += usedCostUsd;
  }

  countTool(tool: string): void {
    this.toolCalls += 1;
    this.toolCallsByName.set(tool, (this.toolCallsByName.get(tool) ?? 0) + 1);
  }
}

/**
 * The price of `model` in a policy's price table: the exact name, else the most specific glob.
 *
 * @example
 * findPrice({ 'gpt-4o-mini*': { input: 0.15, output: 0.6 } }, 'gpt-4o-mini-2024-07-18') // { input: 0.15, output: 0.6 }
 */
export function findPrice(
  prices: Readonly<Record<string, ModelPrice>> | undefined,
  model: string,
): ModelPrice | undefined {
  if (prices === undefined) return undefined;
  if (Object.hasOwn(prices, model)) return prices[model];
  const key = findBestMatch(Object.keys(prices), model);
  return key === undefined ? undefined : prices[key];
}

/** Cost in USD of `inputTokens` and `outputTokens` at `price` (USD per million tokens). */
export function costOf(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
