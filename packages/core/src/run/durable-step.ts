import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { DurableRun } from '../continuity/durable-run.ts';
import { getDurability } from '../continuity/durability.ts';
import type { StepRecord } from '../continuity/journal.ts';
import { decodeResult, encodeResult } from '../continuity/step-results.ts';
import { digest } from '../identity/canonical-json.ts';
import {
  ATTR_RUNPROOF_STEP_DIVERGED,
  ATTR_RUNPROOF_STEP_INPUT_DIGEST,
  ATTR_RUNPROOF_STEP_KEY,
  ATTR_RUNPROOF_STEP_RECORDED_INPUT_DIGEST,
  ATTR_RUNPROOF_STEP_REPLAYED,
  EVENT_RUNPROOF_STEP_DIVERGED,
} from '../semconv.ts';
import { usageOf } from './durable.ts';
import type { RunState } from './run-state.ts';

/**
 * The journal key of the durable step a context is inside: the steps and handoffs below it are
 * keyed under it (`process#2/fetch#1`), so a replayed step's children never shift the keys of
 * the steps after it.
 */
const DURABLE_SCOPE_KEY = createContextKey('runproof:durable-scope');

/** The key of the durable step `callContext` is inside, if any. */
export function durableScope(callContext: Context): string | undefined {
  return callContext.getValue(DURABLE_SCOPE_KEY) as string | undefined;
}

/** `callContext` inside the durable step `key`. */
export function withDurableScope(callContext: Context, key: string): Context {
  return callContext.setValue(DURABLE_SCOPE_KEY, key);
}

/** Options of `step()`. */
export interface StepOptions {
  /**
   * The step's declared input. Its structure (keys and types, never values) is compared with the
   * step's baseline: a change is `input_shape` drift on the step's span. In durable runs its digest
   * is journaled with the result, and a later attempt whose input differs runs the step again
   * (`ATTR_RUNPROOF_STEP_DIVERGED`) instead of replaying a stale result. Must be JSON-serializable.
   * Default: none (no input drift; a completed step replays).
   */
  input?: unknown;
  /**
   * The step's key in a durable run's journal, when its occurrence cannot tell it apart: steps of
   * the same name started in a varying order (`Promise.all` over items, each started after an
   * `await`) must each say which one they are (`{ key: item.id }`), or a later attempt could replay
   * one item's result for another. Default: the step's name and occurrence (`charge#2`).
   */
  key?: string;
}

/**
 * A step of a durable run: replayed from the journal when an earlier attempt completed it (a span
 * that links to the one it ran in, nothing executed), else executed and its result journaled
 * before it is returned.
 */
export async function runDurableStep<T>(
  durable: DurableRun,
  state: RunState,
  key: string,
  span: Span,
  options: StepOptions,
  execute: () => Promise<T>,
): Promise<T> {
  const inputDigest = options.input === undefined ? undefined : digest(options.input);
  span.setAttribute(ATTR_RUNPROOF_STEP_KEY, key);
  if (inputDigest !== undefined) span.setAttribute(ATTR_RUNPROOF_STEP_INPUT_DIGEST, inputDigest);
  const found = durable.find(key, inputDigest);
  if (found?.kind === 'replay') return replay(found.step, span);
  if (found?.kind === 'diverged') {
    span.setAttribute(ATTR_RUNPROOF_STEP_DIVERGED, true);
    span.addEvent(EVENT_RUNPROOF_STEP_DIVERGED, {
      [ATTR_RUNPROOF_STEP_RECORDED_INPUT_DIGEST]: found.step.inputDigest ?? '',
      [ATTR_RUNPROOF_STEP_INPUT_DIGEST]: inputDigest ?? '',
    });
  }
  const result = await durable.execute(key, execute);
  const stored = encodeResult(key, result, getDurability().codec);
  const { traceId, spanId } = span.spanContext();
  await durable.recordStep({ key, result: stored, inputDigest, traceId, spanId }, usageOf(state.boundary?.budget));
  return result;
}

function replay<T>(step: StepRecord, span: Span): T {
  span.setAttribute(ATTR_RUNPROOF_STEP_REPLAYED, true);
  span.addLink({ context: { traceId: step.traceId, spanId: step.spanId, traceFlags: 1, isRemote: true } });
  return decodeResult(step.result, getDurability().codec) as T;
}
