// Journal records as durable runs write them, for the store tests.
import type { RunHeader, RunStatus, StepRecord } from '../../packages/core/src/continuity/journal.ts';

/** An epoch far from "now", so expiry is decided by the times the tests pass, not the clock. */
export const T0 = 1_750_000_000_000;
export const LEASE_MS = 30_000;

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The header of a run after `attempts` attempts, the last one ended with `status` (or running). */
export function headerOf(
  id: string,
  status: RunStatus,
  updatedAt: number,
  options: { attempts?: number; result?: string; modelCalls?: number } = {},
): RunHeader {
  const attempts = options.attempts ?? 1;
  const header: RunHeader = {
    id,
    name: 'invoice-triage',
    status,
    updatedAt,
    owners: { technical: 'ml-platform', operational: 'accounts-payable' },
    attempts: Array.from({ length: attempts }, (_, index) => ({
      attempt: index + 1,
      continuation: index === 0 ? 'new' : 'retry',
      startedAt: updatedAt - 5_000 + index,
      ...(index < attempts - 1 || status !== 'in_progress'
        ? {
            endedAt: updatedAt - 1_000 + index,
            outcome: index < attempts - 1 ? 'failed' : (status as Exclude<RunStatus, 'in_progress'>),
          }
        : {}),
      traceId: TRACE,
      spanId: `00f067aa0ba902b${index}`,
      executor: `worker-${index + 1}:4242`,
    })),
    usage: {
      modelCalls: options.modelCalls ?? 2,
      toolCalls: 1,
      toolCallsByName: { 'lookup-vendor': 1 },
      tokens: 1_834,
      costUsd: 0.01275,
    },
    handoffs:
      status === 'handed_off'
        ? [
            {
              key: 'handoff#1',
              to: 'ap-team',
              reason: 'amount over limit',
              by: 'worker-1:4242',
              attempt: attempts,
              at: updatedAt - 10,
            },
          ]
        : [],
  };
  if (options.result !== undefined) header.result = options.result;
  return header;
}

/** A step completed in `attempt`, with its JSON result. */
export function stepOf(key: string, attempt: number, result: unknown, completedAt: number): StepRecord {
  return {
    key,
    attempt,
    result: JSON.stringify(result),
    inputDigest: 'sha256:9f2c1e0a6d4b8f3e7a5c2d1b0e9f8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a',
    traceId: TRACE,
    spanId: `b7ad6b71692033${String(attempt).padStart(2, '0')}`,
    completedAt,
  };
}

/**
 * A JSON result of about `bytes` bytes that is hard to store: quotes, backslashes, newlines,
 * U+0000, SQL and Redis syntax, non-Latin text and emoji.
 */
export function awkwardResult(bytes: number): string {
  const piece = `"'; DROP TABLE runproof_runs; --\\ \n\r\t\u0000 {}*:$1 ? 請求書 Ünïcödé 🧾 `;
  const text = piece.repeat(Math.ceil(bytes / Buffer.byteLength(piece))).slice(0, bytes);
  return JSON.stringify({ text, lines: text.split('\n').length });
}
