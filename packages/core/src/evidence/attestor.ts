import type { Span } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { canonicalize } from '../identity/canonical-json.ts';
import { getRunStateOfSpan, type RunState } from '../run/run-state.ts';
import { warnLoudly } from '../safely.ts';
import {
  ATTR_RUNPROOF_ATTESTATION_ENVELOPE,
  ATTR_RUNPROOF_ATTESTATION_KEY_ID,
  ATTR_RUNPROOF_EVIDENCE_STATUS,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_MANIFEST_TRUNCATED,
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_PARENT_ID,
  ATTR_SERVICE_NAME,
  EVENT_RUNPROOF_RUN_ATTESTATION,
  EVENT_RUNPROOF_RUN_MANIFEST,
  EVIDENCE_STATUS_VALUE_FAILED,
  EVIDENCE_STATUS_VALUE_SIGNED,
  EVIDENCE_STATUS_VALUE_UNSIGNED,
} from '../semconv.ts';
import { createEnvelope, IN_TOTO_PAYLOAD_TYPE } from './dsse.ts';
import type { ResolvedEvidence } from './evidence-options.ts';
import { EvidenceDirectory } from './evidence-sink.ts';
import { ledgerEntry, RunLedger } from './ledger.ts';
import { createStatement, serializeStatement, type PreviousAttempt, type RunSpanEntry } from './statement.ts';

/** Whether a span is a run span (`run()`'s, or the span of a completed run run again). */
export function isRunSpan(span: { attributes: Readonly<Record<string, unknown>> }): boolean {
  return span.attributes[ATTR_RUNPROOF_RUN_ATTEMPT] !== undefined;
}

/**
 * Signs each run as its span ends, for the run span processor: a ledger per run id is opened when
 * a run span starts, every span of that run that ends is appended to it, and when the run span is
 * ending (still writable) the statement is built, signed once and added to it as
 * `EVENT_RUNPROOF_RUN_ATTESTATION`, with `ATTR_RUNPROOF_EVIDENCE_STATUS`. A failure is recorded as
 * `failed` and printed once; the run goes on.
 */
export class RunAttestor {
  readonly #evidence: ResolvedEvidence;
  readonly #directory: EvidenceDirectory | undefined;
  readonly #ledgers = new Map<string, RunLedger>();

  constructor(evidence: ResolvedEvidence) {
    this.#evidence = evidence;
    this.#directory = evidence.directory === undefined ? undefined : new EvidenceDirectory(evidence.directory);
  }

  /** The key id envelopes name. */
  get keyId(): string {
    return this.#evidence.signer.keyId;
  }

  /** A run span started: its run's ledger opens. */
  openRun(span: ReadableSpan): void {
    const runId = span.attributes[ATTR_RUNPROOF_RUN_ID];
    if (typeof runId !== 'string') return;
    const ledger = this.#ledgers.get(runId);
    if (ledger === undefined) this.#ledgers.set(runId, new RunLedger(this.#evidence.maxLedgerSpans));
    else ledger.openRuns += 1;
  }

  /** A span of a run started (not a run span): kept as open in its run's ledger. The hot path. */
  openSpan(span: Span, runId: string): void {
    this.#ledgers.get(runId)?.opened(span);
  }

  /**
   * A span ended: appended to its run's ledger; a run span's end closes the ledger, and a run span
   * started inside another run of this process is listed in that run's ledger too (up to its
   * bound), so that removing the nested run from the trace is seen there. The hot path.
   */
  record(span: ReadableSpan): void {
    const runId = span.attributes[ATTR_RUNPROOF_RUN_ID];
    if (typeof runId !== 'string') return;
    const ledger = this.#ledgers.get(runId);
    if (!isRunSpan(span)) {
      ledger?.add(span);
      return;
    }
    const parentRunId = span.attributes[ATTR_RUNPROOF_RUN_PARENT_ID];
    if (typeof parentRunId === 'string') this.#ledgers.get(parentRunId)?.addNestedRun(span);
    if (ledger === undefined) return;
    ledger.openRuns -= 1;
    if (ledger.openRuns <= 0) this.#ledgers.delete(runId);
  }

  /** A run span is ending: signs its run. Never throws. */
  attest(span: Span): void {
    const state = getRunStateOfSpan(span);
    // A completed run run again executes nothing: its attempts' spans carry their own attestations.
    // A run that started before signing was turned on has no ledger of its spans: nothing to sign.
    if (state === undefined || state.span !== span || !this.#ledgers.has(state.id)) {
      span.setAttribute(ATTR_RUNPROOF_EVIDENCE_STATUS, EVIDENCE_STATUS_VALUE_UNSIGNED);
      return;
    }
    let envelopeJson: string;
    try {
      envelopeJson = this.#sign(span, state);
      span.addEvent(EVENT_RUNPROOF_RUN_ATTESTATION, {
        [ATTR_RUNPROOF_ATTESTATION_ENVELOPE]: envelopeJson,
        [ATTR_RUNPROOF_ATTESTATION_KEY_ID]: this.keyId,
      });
      span.setAttribute(ATTR_RUNPROOF_EVIDENCE_STATUS, EVIDENCE_STATUS_VALUE_SIGNED);
    } catch (error) {
      span.setAttribute(ATTR_RUNPROOF_EVIDENCE_STATUS, EVIDENCE_STATUS_VALUE_FAILED);
      warnLoudly(
        'evidence-signing',
        `runproof: signing run ${state.id} failed (${(error as Error)?.message ?? String(error)}); its span says so and it goes on unsigned. Later failures are not printed.`,
      );
      return;
    }
    try {
      this.#directory?.append(state.id, envelopeJson);
    } catch (error) {
      warnLoudly(
        'evidence-directory',
        `runproof: writing the attestation of run ${state.id} to ${this.#directory?.fileOf(state.id)} failed (${(error as NodeJS.ErrnoException).code ?? String(error)}); it is still on the run span. Later failures are not printed.`,
      );
    }
  }

  #sign(span: Span, state: RunState): string {
    const manifest = state.manifest();
    const manifestJson = manifestText(span) ?? canonicalize(manifest);
    const statement = createStatement(manifestJson, {
      manifest,
      run: runSpanEntry(span),
      previousAttempt: previousAttempt(state),
      ledger: this.#ledgers.get(state.id)!.snapshot(span),
    });
    const payload = Buffer.from(serializeStatement(statement, manifestJson), 'utf8');
    const { signer } = this.#evidence;
    return JSON.stringify(createEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, signer.keyId, (bytes) => signer.sign(bytes)));
  }
}

/** The manifest JSON the run span's manifest event holds, when it was not cut. */
function manifestText(span: Span): string | undefined {
  for (let index = span.events.length - 1; index >= 0; index -= 1) {
    const event = span.events[index]!;
    if (event.name !== EVENT_RUNPROOF_RUN_MANIFEST) continue;
    const text = event.attributes?.[ATTR_RUNPROOF_MANIFEST];
    return event.attributes?.[ATTR_RUNPROOF_MANIFEST_TRUNCATED] === true || typeof text !== 'string' ? undefined : text;
  }
  return undefined;
}

function runSpanEntry(span: Span): RunSpanEntry {
  const service = span.resource.attributes[ATTR_SERVICE_NAME];
  return {
    ...ledgerEntry(span),
    traceId: span.spanContext().traceId,
    service: typeof service === 'string' ? service : null,
  };
}

function previousAttempt(state: RunState): PreviousAttempt | null {
  const previous = state.durable?.previous;
  if (previous === undefined) return null;
  return {
    attempt: previous.attempt,
    traceId: previous.traceId,
    spanId: previous.spanId,
    ended: previous.outcome !== undefined,
  };
}
