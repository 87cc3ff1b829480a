import { accessSync, constants, mkdirSync } from 'node:fs';
import { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Issue } from '../errors.ts';
import { hookSigner, loadSigningKey, loadSigningKeyFile, type EvidenceSigner, type KeyInput } from './signing-key.ts';

/**
 * Signed run attestations (`start({ evidence })`): at the end of every run, a DSSE envelope
 * holding an in-toto Statement v1 about the run — its manifest and a ledger of its spans — on the
 * run span as the event `EVENT_RUNPROOF_RUN_ATTESTATION`. Nothing is signed unless a key is given.
 * `runproof verify` checks what was signed against the trace.
 */
export interface EvidenceOptions {
  /**
   * The Ed25519 private key: PEM (PKCS#8) text, PEM or DER bytes, or a `KeyObject`. RSA, EC and
   * other keys are refused. Env: `RUNPROOF_SIGNING_KEY_FILE` (a path). Default: none.
   */
  key?: KeyInput;
  /** A file holding the key, read at start. Env: `RUNPROOF_SIGNING_KEY_FILE`. Default: none. */
  keyFile?: string;
  /**
   * Signs through a KMS or HSM instead of a key in the process: gets the bytes to sign and returns
   * the raw Ed25519 signature, synchronously (it runs as the run span ends). Needs `publicKey`.
   * Tried once at start. Code only. Default: none.
   */
  sign?: (bytes: Uint8Array) => Uint8Array;
  /** The public key of `sign` (PEM text or bytes, or a `KeyObject`), for the key id. Code only. */
  publicKey?: KeyInput;
  /**
   * Also appends each envelope, as one JSON line, to `<directory>/<run id>.intoto.jsonl` (the run
   * id percent-encoded). Created at start. Env: `RUNPROOF_EVIDENCE_DIR`. Default: none.
   */
  directory?: string;
  /**
   * Spans listed one by one in a run's ledger; the spans past it are accounted for by count and
   * one digest, which `runproof verify` checks all the same. Bounds the envelope (about 250 bytes
   * a span) and what a run holds in memory while it runs. Default: 1000.
   */
  maxLedgerSpans?: number;
}

/** Evidence as `start()` resolved it: who signs, where envelopes also go, the ledger's bound. */
export interface ResolvedEvidence {
  signer: EvidenceSigner;
  directory: string | undefined;
  maxLedgerSpans: number;
}

/** Default of {@link EvidenceOptions.maxLedgerSpans}. */
export const DEFAULT_MAX_LEDGER_SPANS = 1000;

const keyInput = z.custom<KeyInput>(
  (value) => typeof value === 'string' || value instanceof Uint8Array || value instanceof KeyObject,
  'expected PEM text, bytes or a KeyObject',
);
const path = z.string().min(1);

/** What a config file (or the environment) can set of {@link EvidenceOptions}. */
export const evidenceFileSchema = z.strictObject({
  keyFile: path.optional(),
  directory: path.optional(),
  maxLedgerSpans: z.number().int().min(1).optional(),
});

/** {@link EvidenceOptions} as `start()` validates them. */
export const evidenceOptionsSchema = z
  .strictObject({
    key: keyInput.optional(),
    keyFile: path.optional(),
    sign: z
      .custom<(bytes: Uint8Array) => Uint8Array>((value) => typeof value === 'function', 'expected a function')
      .optional(),
    publicKey: keyInput.optional(),
    directory: path.optional(),
    maxLedgerSpans: z.number().int().min(1).optional(),
  })
  .superRefine((value, context) => {
    const given = (['key', 'keyFile', 'sign'] as const).filter((field) => value[field] !== undefined);
    if (given.length > 1)
      context.addIssue({
        code: 'custom',
        path: [given[1]!],
        message: `give one of key, keyFile or sign, not ${given.join(' and ')}`,
      });
    if (value.sign !== undefined && value.publicKey === undefined)
      context.addIssue({
        code: 'custom',
        path: ['publicKey'],
        message: 'expected the public key of sign (for the key id)',
      });
    if (value.publicKey !== undefined && value.sign === undefined)
      context.addIssue({
        code: 'custom',
        path: ['publicKey'],
        message: 'is only for sign; a key or keyFile brings its own public key',
      });
  });

/**
 * Loads the signer of evidence options: a key, a key file or a signing hook. `undefined` with no
 * issue when none is given (nothing is signed). Issues have paths inside the evidence options.
 */
export function loadSigner(evidence: Pick<EvidenceOptions, 'key' | 'keyFile' | 'sign' | 'publicKey'>): {
  signer: EvidenceSigner | undefined;
  issues: Issue[];
} {
  const fail = (field: string, problem: string) => ({
    signer: undefined,
    issues: [{ code: 'invalid_key', path: [field], message: problem }],
  });
  if (evidence.key !== undefined) {
    const loaded = loadSigningKey(evidence.key);
    return 'problem' in loaded ? fail('key', loaded.problem) : { signer: loaded.value, issues: [] };
  }
  if (evidence.keyFile !== undefined) {
    const loaded = loadSigningKeyFile(evidence.keyFile);
    return 'problem' in loaded ? fail('keyFile', loaded.problem) : { signer: loaded.value, issues: [] };
  }
  if (evidence.sign !== undefined && evidence.publicKey !== undefined) {
    const loaded = hookSigner(evidence.sign, evidence.publicKey);
    return 'problem' in loaded
      ? fail(loaded.problem.startsWith('publicKey ') ? 'publicKey' : 'sign', loaded.problem.replace(/^publicKey /, ''))
      : { signer: loaded.value, issues: [] };
  }
  return { signer: undefined, issues: [] };
}

/** Why envelopes cannot be written to `directory`, or `undefined`; the folder is created. */
export function unwritableDirectory(directory: string): string | undefined {
  try {
    mkdirSync(directory, { recursive: true });
    accessSync(directory, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `cannot write envelopes to "${directory}" (${code === 'EEXIST' ? 'ENOTDIR: a file is in the way' : (code ?? String(error))})`;
  }
}
