import {
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_NAME,
  ATTR_RUNPROOF_RUN_REPLAYED,
} from '../semconv.ts';
import { attributeDigest, wellFormed } from './span-digest.ts';
import type { TraceSpan } from './trace-span.ts';

/** One attempt of a run as the traces hold it: its run span and the spans found to belong to it. */
export interface AttemptSpans {
  runSpan: TraceSpan;
  attempt: number;
  /** Spans of the run (its id, not run spans) that belong to this attempt. */
  spans: TraceSpan[];
}

/** A run id's spans: attempts, replays of a completed run, and spans that belong to no attempt found. */
export interface RunSpans {
  runId: string;
  name: string;
  attempts: AttemptSpans[];
  /** Run spans of a completed run run again: nothing executed. */
  replays: TraceSpan[];
  /** Spans under the run span of an attempt whose process died before ending it (the journal says so): nothing signed them. */
  ofDiedAttempts: TraceSpan[];
  unattributed: TraceSpan[];
}

/** The spans of the files, indexed: by span id, and by run. */
export interface TraceIndex {
  bySpanId: Map<string, TraceSpan>;
  runs: RunSpans[];
  /** Span ids held by two different spans: a forgery, or two traces mixed up. */
  duplicates: { spanId: string; spans: TraceSpan[] }[];
}

/** A run span: it carries the attempt number. */
export function isRunSpanOf(span: TraceSpan): boolean {
  return (
    span.attributes[ATTR_RUNPROOF_RUN_ATTEMPT] !== undefined &&
    typeof span.attributes[ATTR_RUNPROOF_RUN_ID] === 'string'
  );
}

/** What the attestations say, for sorting spans into attempts. */
export interface AttestedSpans {
  /** The span ids an attempt's ledger lists. */
  listed(runSpan: TraceSpan): ReadonlySet<string>;
  /** Run span ids of attempts that died before ending (from the next attempt's attestation). */
  died: ReadonlySet<string>;
}

/**
 * Indexes spans read from trace files. The same span read twice (the same trace in two files) is
 * kept once; two different spans with one span id are reported. Each span with a run id goes to an
 * attempt of its run: the attempt whose ledger lists it, else the run span it descends from (or
 * an attempt that died), else the run's only attempt.
 */
export function indexTraces(spans: readonly TraceSpan[], attested: AttestedSpans): TraceIndex {
  const bySpanId = new Map<string, TraceSpan>();
  const duplicates = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    const seen = bySpanId.get(span.spanId);
    if (seen === undefined) {
      bySpanId.set(span.spanId, span);
      continue;
    }
    if (sameSpan(seen, span)) continue;
    duplicates.set(span.spanId, [...(duplicates.get(span.spanId) ?? [seen]), span]);
  }
  const runs = new Map<string, RunSpans>();
  const runOf = (runId: string) => {
    let run = runs.get(runId);
    if (run === undefined)
      runs.set(runId, (run = { runId, name: '', attempts: [], replays: [], ofDiedAttempts: [], unattributed: [] }));
    return run;
  };
  for (const span of bySpanId.values()) {
    if (!isRunSpanOf(span)) continue;
    const run = runOf(span.attributes[ATTR_RUNPROOF_RUN_ID] as string);
    const name = span.attributes[ATTR_RUNPROOF_RUN_NAME];
    run.name ||= typeof name === 'string' ? name : '';
    if (span.attributes[ATTR_RUNPROOF_RUN_REPLAYED] === true) run.replays.push(span);
    else run.attempts.push({ runSpan: span, attempt: Number(span.attributes[ATTR_RUNPROOF_RUN_ATTEMPT]), spans: [] });
  }
  for (const run of runs.values())
    run.attempts.sort((a, b) => a.attempt - b.attempt || a.runSpan.startMicros - b.runSpan.startMicros);
  const listings = new Map<AttemptSpans, ReadonlySet<string>>();
  for (const run of runs.values())
    for (const attempt of run.attempts) listings.set(attempt, attested.listed(attempt.runSpan));
  for (const span of bySpanId.values()) {
    const runId = span.attributes[ATTR_RUNPROOF_RUN_ID];
    if (typeof runId !== 'string' || isRunSpanOf(span)) continue;
    const run = runOf(runId);
    const attempt =
      run.attempts.find((candidate) => listings.get(candidate)?.has(span.spanId)) ??
      ancestorAttempt(span, run, bySpanId, attested.died) ??
      (run.attempts.length === 1 ? run.attempts[0] : undefined);
    if (attempt === 'died') run.ofDiedAttempts.push(span);
    else if (attempt === undefined) run.unattributed.push(span);
    else attempt.spans.push(span);
  }
  return {
    bySpanId,
    runs: [...runs.values()],
    duplicates: [...duplicates].map(([spanId, list]) => ({ spanId, spans: list })),
  };
}

function ancestorAttempt(
  span: TraceSpan,
  run: RunSpans,
  bySpanId: Map<string, TraceSpan>,
  died: ReadonlySet<string>,
): AttemptSpans | 'died' | undefined {
  let parentId = span.parentSpanId;
  for (let depth = 0; parentId !== null && depth < 10_000; depth += 1) {
    const attempt = run.attempts.find((candidate) => candidate.runSpan.spanId === parentId);
    if (attempt !== undefined) return attempt;
    if (died.has(parentId)) return 'died';
    parentId = bySpanId.get(parentId)?.parentSpanId ?? null;
  }
  return undefined;
}

/** Whether two spans read from files are the same span (one trace in two files, or in two formats). */
function sameSpan(a: TraceSpan, b: TraceSpan): boolean {
  return (
    a.traceId === b.traceId &&
    wellFormed(a.name) === wellFormed(b.name) &&
    a.parentSpanId === b.parentSpanId &&
    a.status === b.status &&
    attributeDigest(a.attributes, a.events) === attributeDigest(b.attributes, b.events)
  );
}
