import { CallbackManager } from '@langchain/core/callbacks/manager';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaseLLM } from '@langchain/core/language_models/llms';
import { BaseRetriever } from '@langchain/core/retrievers';
import { Runnable } from '@langchain/core/runnables';
import { StructuredTool } from '@langchain/core/tools';
import { after, before, beforeEach } from 'node:test';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { createTestHarness, type ReadableSpan, type TestHarness } from '@runproof/core/testing';
import { createInstrumentation } from '@runproof/langchain-adapter';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

/**
 * The in-memory harness with the LangChain instrumentation patched into the ES module copy of
 * `@langchain/core` this process imports (no module hook in a test process).
 */
export function createLangChainHarness(others: Instrumentation[] = []): TestHarness {
  const instrumentation = createInstrumentation();
  const harness = createTestHarness({ instrumentations: [instrumentation, ...others] });
  instrumentation.manuallyInstrument({
    CallbackManager,
    BaseChatModel,
    BaseLLM,
    StructuredTool,
    BaseRetriever,
    Runnable,
  });
  return harness;
}

/**
 * The set-up the LangChain test files share: a simulator (no pause between stream chunks) started
 * before the file's tests and handed to `onStart`, closed after them, and its scripts and the
 * harness's spans cleared before each test.
 */
export function useSimulator(harness: TestHarness, onStart: (simulator: Simulator) => void): void {
  let simulator: Simulator | undefined;
  before(async () => {
    simulator = await startSimulator({ chunkDelayMs: 0 });
    onStart(simulator);
  });
  after(() => simulator?.close());
  beforeEach(async () => {
    simulator?.reset();
    await harness.reset();
  });
}

/** The parent span of `span` among `spans`. */
export function parentOf(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan | undefined {
  return spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);
}

/** Spans under `root` (any depth), `root` excluded. */
export function descendantsOf(root: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const ids = new Set([root.spanContext().spanId]);
  const found: ReadableSpan[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of spans) {
      if (!ids.has(span.spanContext().spanId) && ids.has(span.parentSpanContext?.spanId ?? '')) {
        ids.add(span.spanContext().spanId);
        found.push(span);
        grew = true;
      }
    }
  }
  return found;
}
