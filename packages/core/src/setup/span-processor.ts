import { propagation, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { endOpenCalls } from '../telemetry/open-calls.ts';
import { getRunState } from '../run/run-state.ts';
import { ATTR_RUNPROOF_RUN_ID, BAGGAGE_RUNPROOF_RUN_ID } from '../semconv.ts';
import { isRunSpan, RunAttestor } from '../evidence/attestor.ts';
import type { ResolvedEvidence } from '../evidence/evidence-options.ts';

/** Options of {@link RunSpanProcessor}. */
export interface RunSpanProcessorOptions {
  /**
   * Sign each run as its span ends (what `start({ evidence })` resolves): the span processor keeps
   * a ledger of each run's ended spans and adds the run's attestation to its span. Without
   * `start()`: `resolveConfig({ evidence: { keyFile } }).evidence`. Default: none.
   */
  evidence?: ResolvedEvidence;
}

/**
 * Stamps `ATTR_RUNPROOF_RUN_ID` on every span started inside a run — ours, other instrumentations' and
 * the user's — and on spans of a downstream service that received the run id in W3C baggage; a span
 * started with a run id already (a run's own span) keeps it. At
 * shutdown it ends the model calls still open (a stream being read, a request in flight) with what
 * they have seen, so the exporters placed after it send them. With `evidence`, it also signs each
 * run as its span ends (see `start({ evidence })`). `start()` installs it; add it yourself, first,
 * when you build your own tracer provider.
 *
 * @example
 * new NodeTracerProvider({ spanProcessors: [new RunSpanProcessor(), new BatchSpanProcessor(exporter)] });
 */
export class RunSpanProcessor implements SpanProcessor {
  #attestor: RunAttestor | undefined;

  constructor(options: RunSpanProcessorOptions = {}) {
    this.useEvidence(options.evidence);
  }

  /**
   * Signs the runs that start from now on with `evidence`, or none with `undefined` (what a later
   * `start({ evidence })` does). A run already running keeps no complete ledger across the change:
   * its span ends `ATTR_RUNPROOF_EVIDENCE_STATUS` unsigned rather than signed with spans missing.
   */
  useEvidence(evidence: ResolvedEvidence | undefined): void {
    this.#attestor = evidence === undefined ? undefined : new RunAttestor(evidence);
  }

  onStart(span: Span, parentContext: Context): void {
    // A span started with a run id of its own (a run span, a graph run an adapter identified) keeps
    // it: the enclosing run is that run's parent, not its identity.
    const own = span.attributes[ATTR_RUNPROOF_RUN_ID];
    if (own !== undefined) {
      if (this.#attestor !== undefined && isRunSpan(span)) this.#attestor.openRun(span);
      else if (typeof own === 'string') this.#attestor?.openSpan(span, own);
      return;
    }
    const state = getRunState(parentContext);
    // A span started once its run has ended (by a callback the run scheduled) is not the run's:
    // its attestation, made as the run ended, could not account for it.
    if (state?.ended) return;
    const runId = state?.id ?? propagation.getBaggage(parentContext)?.getEntry(BAGGAGE_RUNPROOF_RUN_ID)?.value;
    if (runId === undefined) return;
    span.setAttribute(ATTR_RUNPROOF_RUN_ID, runId);
    this.#attestor?.openSpan(span, runId);
  }

  /** The run span is still writable here: its attestation is added before it ends. */
  onEnding(span: Span): void {
    if (this.#attestor !== undefined && isRunSpan(span)) this.#attestor.attest(span);
  }

  onEnd(span: ReadableSpan): void {
    this.#attestor?.record(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    endOpenCalls();
    return Promise.resolve();
  }
}
