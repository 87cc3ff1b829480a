/**
 * Traces of real signed runs for the verify tests: the demo's triage (two invoices) with a refund
 * halted by its boundary, a durable payout retried twice (three chained attempts), and optionally
 * the triage again with a ledger bound of 3 spans. And `verifyEdited`: verify a copy after an edit.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AppResult } from '../support/app.ts';
import { startSimulator } from '../simulator/simulator.ts';
import {
  attribute,
  copy,
  readOtlp,
  runSignedApp,
  runVerify,
  spansOf,
  temporaryFolder,
  writeJson,
  writeKeyPair,
  type KeyFiles,
  type OtlpDocument,
  type OtlpSpan,
} from './support.ts';

export interface SignedTraces {
  folder: string;
  key: KeyFiles;
  files: { triage: string; payout: string; overflow: string };
  triage: OtlpDocument;
  payout: OtlpDocument;
  /** `runproof verify` of a copy of `document` after `edit`, with the signing key's public half. */
  verifyEdited(document: OtlpDocument, edit: (copy: OtlpDocument) => void): Promise<AppResult>;
}

/** Runs the signed-runs app for each trace (the overflow one only when asked). */
export async function makeSignedTraces(name: string, options: { overflow?: boolean } = {}): Promise<SignedTraces> {
  const folder = temporaryFolder(name);
  const simulator = await startSimulator({ chunkDelayMs: 0 });
  const key = writeKeyPair(folder, 'signing-key');
  const files = {
    triage: join(folder, 'triage.json'),
    payout: join(folder, 'payout.json'),
    overflow: join(folder, 'overflow.json'),
  };
  try {
    const runs = await runSignedApp({ simulator, key: key.privatePath, traceFile: files.triage, scenario: 'triage' });
    assert.equal(runs.code, 0, runs.stderr);
    const retries = await runSignedApp({
      simulator,
      key: key.privatePath,
      traceFile: files.payout,
      scenario: 'retries',
      env: { RUNPROOF_STORE: `sqlite:${join(folder, 'runs.db')}` },
    });
    assert.equal(retries.code, 0, retries.stderr);
    if (options.overflow) {
      const config = writeJson(join(folder, 'runproof.json'), { evidence: { maxLedgerSpans: 3 } });
      const bounded = await runSignedApp({
        simulator,
        key: key.privatePath,
        traceFile: files.overflow,
        scenario: 'triage',
        env: { RUNPROOF_CONFIG: config },
      });
      assert.equal(bounded.code, 0, bounded.stderr);
    }
  } finally {
    await simulator.close();
  }
  let edits = 0;
  return {
    folder,
    key,
    files,
    triage: readOtlp(files.triage),
    payout: readOtlp(files.payout),
    verifyEdited(document, edit) {
      const edited = copy(document);
      edit(edited);
      return runVerify([writeJson(join(folder, `edited-${(edits += 1)}.json`), edited), '--key', key.publicPath]);
    },
  };
}

/** The run ids of the runs named `name`, in the file's order. */
export function runIdsOf(document: OtlpDocument, name: string): string[] {
  return spansOf(document)
    .filter((span) => span.name === `invoke_workflow ${name}`)
    .map((span) => String(attribute(span, 'runproof.run.id')));
}

export function named(spans: OtlpSpan[], name: string): OtlpSpan {
  return spans.find((span) => span.name === name)!;
}

export function runSpanOf(spans: OtlpSpan[]): OtlpSpan {
  return spans.find((span) => span.name.startsWith('invoke_workflow'))!;
}

/** The run span of the payout's attempt `attempt`. */
export function attemptSpan(document: OtlpDocument, attempt: number): OtlpSpan {
  return spansOf(document).find(
    (span) => span.name === 'invoke_workflow payout' && attribute(span, 'runproof.run.attempt') === attempt,
  )!;
}
