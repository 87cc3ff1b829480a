import { canonicalize, sha256 } from '../identity/canonical-json.ts';
import type { RunManifest } from '../identity/manifest.ts';
import type { LedgerStatus } from './span-digest.ts';

/** The in-toto Statement v1 type. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The type of a Runproof run predicate (version 1). */
export const RUN_PREDICATE_TYPE = 'runproof:attestation/run/v1';

/** One span of the run as it was when the run ended. */
export interface LedgerEntry {
  /** Hex span id. */
  spanId: string;
  /** Hex id of its parent span; `null` for a root span. */
  parentId: string | null;
  name: string;
  status: LedgerStatus;
  /** {@link attributeDigest} of its Runproof and GenAI attributes and events. */
  digest: string;
}

/** The spans of the run that ended before it, listed up to a bound, then accounted for as a whole. */
export interface SpanLedger {
  spans: LedgerEntry[];
  /**
   * Spans past the bound: how many, and the SHA-256 of the canonical JSON of their entries'
   * digests (each entry's {@link entryDigest}), sorted. Absent when every span is listed.
   */
  overflow?: { count: number; digest: string };
  /**
   * Hex ids of the run's spans still open when it ended, in the order they started (at most the
   * ledger's bound): a stream the caller reads after `run()` returned, say. They end after the
   * attestation is made, so nothing of them is covered; `verify` names them rather than calling
   * them added. Absent when none was open.
   */
  open?: string[];
}

/** The run span itself: which span carries the attestation, and what it said when the run ended. */
export interface RunSpanEntry extends LedgerEntry {
  /** Hex trace id of the run span. */
  traceId: string;
  /** The `ATTR_SERVICE_NAME` of the process that ran it; spans of the run from other services are not in its ledger. */
  service: string | null;
}

/** The attempt before this one of a durable run, from its journal. */
export interface PreviousAttempt {
  attempt: number;
  /** Its run span (hex ids), which the run span of this attempt links to. */
  traceId: string;
  spanId: string;
  /** False when its process ended without ending it (the journal has no outcome): it signed nothing. */
  ended: boolean;
}

/** What a run attestation asserts, besides the manifest digest in its subject. */
export interface RunPredicate {
  manifest: RunManifest;
  run: RunSpanEntry;
  /** The previous attempt of a durable run; `null` for a first attempt or a run that is not durable. */
  previousAttempt: PreviousAttempt | null;
  ledger: SpanLedger;
}

/** An in-toto Statement v1 about one run attempt. */
export interface RunStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof RUN_PREDICATE_TYPE;
  predicate: RunPredicate;
}

/** The subject name of a run: `runproof-run:<run id>`. */
export function subjectName(runId: string): string {
  return `runproof-run:${runId}`;
}

/** The digest of a ledger entry, as an overflow digest lists it. */
export function entryDigest(entry: LedgerEntry): string {
  return sha256(entryJson(entry));
}

/** The overflow digest of entries past the ledger's bound, given their entry digests in any order. */
export function overflowDigest(entryDigests: readonly string[]): string {
  return sha256(canonicalize([...entryDigests].sort()));
}

/**
 * The statement about a run: its subject is the run id with the SHA-256 of the manifest's canonical
 * JSON — the exact bytes of the manifest event's `ATTR_RUNPROOF_MANIFEST` when it was not cut — so an
 * auditor's `sha256sum` of them matches.
 */
export function createStatement(manifestJson: string, predicate: RunPredicate): RunStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(predicate.manifest.runId), digest: { sha256: sha256(manifestJson) } }],
    predicateType: RUN_PREDICATE_TYPE,
    predicate,
  };
}

// The statement as RFC 8785 JSON, written out by hand: signing runs at the end of every run, and
// canonicalizing the generic way (sorting every object's keys, the manifest once more) was most of
// its cost. `statement.test.ts` holds it to `canonicalize` of the same statement.
const quote = JSON.stringify;
const nullable = (text: string | null) => (text === null ? 'null' : quote(text));

function entryJson(entry: LedgerEntry): string {
  return `{"digest":${quote(entry.digest)},"name":${quote(entry.name)},"parentId":${nullable(entry.parentId)},"spanId":${quote(entry.spanId)},"status":${quote(entry.status)}}`;
}

function runJson(run: RunSpanEntry): string {
  return `{"digest":${quote(run.digest)},"name":${quote(run.name)},"parentId":${nullable(run.parentId)},"service":${nullable(run.service)},"spanId":${quote(run.spanId)},"status":${quote(run.status)},"traceId":${quote(run.traceId)}}`;
}

function previousJson(previous: PreviousAttempt | null): string {
  if (previous === null) return 'null';
  return `{"attempt":${quote(previous.attempt)},"ended":${quote(previous.ended)},"spanId":${quote(previous.spanId)},"traceId":${quote(previous.traceId)}}`;
}

function ledgerJson(ledger: SpanLedger): string {
  const overflow =
    ledger.overflow === undefined
      ? ''
      : `"overflow":{"count":${quote(ledger.overflow.count)},"digest":${quote(ledger.overflow.digest)}},`;
  const open = ledger.open === undefined ? '' : `"open":[${ledger.open.map((spanId) => quote(spanId)).join(',')}],`;
  return `{${open}${overflow}"spans":[${ledger.spans.map(entryJson).join(',')}]}`;
}

/**
 * The RFC 8785 JSON of a statement — what is signed — given its manifest's canonical JSON (the
 * manifest event's text, which the subject digest is of).
 */
export function serializeStatement(statement: RunStatement, manifestJson: string): string {
  const { predicate } = statement;
  const subject = statement.subject[0];
  return (
    `{"_type":${quote(statement._type)},"predicate":{"ledger":${ledgerJson(predicate.ledger)},"manifest":${manifestJson},` +
    `"previousAttempt":${previousJson(predicate.previousAttempt)},"run":${runJson(predicate.run)}},"predicateType":${quote(statement.predicateType)},` +
    `"subject":[{"digest":{"sha256":${quote(subject.digest.sha256)}},"name":${quote(subject.name)}}]}`
  );
}
