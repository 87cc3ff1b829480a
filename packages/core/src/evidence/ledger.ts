import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace';
import { attributeDigest, type LedgerStatus } from './span-digest.ts';
import { entryDigest, overflowDigest, type LedgerEntry, type SpanLedger } from './statement.ts';

/** The ledger's status name of an OpenTelemetry span status code. */
export function statusName(code: SpanStatusCode): LedgerStatus {
  return code === SpanStatusCode.ERROR ? 'error' : code === SpanStatusCode.OK ? 'ok' : 'unset';
}

/** The ledger entry of an ended span: ids, name, status and the digest of its attributes and events. */
export function ledgerEntry(span: ReadableSpan): LedgerEntry {
  return {
    spanId: span.spanContext().spanId,
    parentId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    status: statusName(span.status.code),
    digest: attributeDigest(span.attributes, span.events),
  };
}

/**
 * The spans of one run that have ended, collected while it runs. The hot path only appends the
 * ended span (a reference: nothing is copied or digested); the run's end digests them once. Past
 * `limit` spans, each is digested as it ends and only its digest is kept, so what a long run holds
 * stays bounded by `limit` spans plus 64 characters a span. The run's spans still open are kept
 * too (their ids are signed as open when the run ends), so one ending later is told from one added.
 */
export class RunLedger {
  readonly #limit: number;
  readonly #spans: ReadableSpan[] = [];
  readonly #overflow: string[] = [];
  readonly #open = new Set<Span | ReadableSpan>();
  /** Run spans of this run id open in the process (two runs may share an id). */
  openRuns = 1;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A span of the run started. */
  opened(span: Span): void {
    this.#open.add(span);
  }

  add(span: ReadableSpan): void {
    this.#open.delete(span);
    if (this.#spans.length < this.#limit) this.#spans.push(span);
    else this.#overflow.push(entryDigest(ledgerEntry(span)));
  }

  /**
   * The run span of a run started inside this one: listed while the list has room, never in the
   * overflow (`verify` reads nested runs as runs of their own, not as spans of this one).
   */
  addNestedRun(span: ReadableSpan): void {
    this.#open.delete(span);
    if (this.#spans.length < this.#limit) this.#spans.push(span);
  }

  /**
   * The ledger as the statement lists it: entries in the order their spans ended, then the
   * overflow, and the spans still open (all but `runSpan`), up to the bound.
   */
  snapshot(runSpan: Span): SpanLedger {
    const ledger: SpanLedger = { spans: this.#spans.map(ledgerEntry) };
    if (this.#overflow.length > 0)
      ledger.overflow = { count: this.#overflow.length, digest: overflowDigest(this.#overflow) };
    const open: string[] = [];
    for (const span of this.#open) {
      if (open.length === this.#limit) break;
      if (span !== runSpan) open.push(span.spanContext().spanId);
    }
    if (open.length > 0) ledger.open = open;
    return ledger;
  }
}
