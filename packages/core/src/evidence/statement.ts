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
  return sha256(canonicalize(entry));
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
