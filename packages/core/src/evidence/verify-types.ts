import type { KeyObject } from 'node:crypto';

/** What `runproof verify` checks of each attempt of a run. */
export type CheckName = 'signature' | 'statement' | 'manifest' | 'ledger' | 'chain';

/** One check of one attempt: passed or not, a one-line summary, what failed, what is worth knowing. */
export interface CheckResult {
  check: CheckName;
  ok: boolean;
  summary: string;
  /** Each failure, naming what changed: a span, an attribute, a key. */
  problems: string[];
  notes: string[];
}

/** One attempt of a run: its run span and its checks. */
export interface AttemptVerification {
  attempt: number;
  traceId: string;
  spanId: string;
  /** The key id its envelope names, when it has one. */
  keyId: string | null;
  ok: boolean;
  checks: CheckResult[];
}

/** One run (one run id): each attempt found, and problems of the run as a whole. */
export interface RunVerification {
  runId: string;
  name: string;
  ok: boolean;
  attempts: AttemptVerification[];
  problems: string[];
  notes: string[];
}

/** Everything `verify` found; `ok` only when every run passed every check. */
export interface VerifyResult {
  ok: boolean;
  files: string[];
  keys: { keyId: string; source: string }[];
  runs: RunVerification[];
  problems: string[];
}

/** A public key `verify` trusts, with its id and where it came from. */
export interface VerificationKey {
  keyId: string;
  key: KeyObject;
  source: string;
}

/** A check from its findings: passed when nothing failed. */
export function checkResult(check: CheckName, summary: string, problems: string[], notes: string[] = []): CheckResult {
  return { check, ok: problems.length === 0, summary, problems, notes };
}
