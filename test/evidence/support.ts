/**
 * What the evidence tests share: key files, an app run with signing on, `runproof verify` run as a
 * user runs it, and edits of OTLP JSON trace files as someone tampering with them would make.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runApp, type AppResult } from '../support/app.ts';
import type { Simulator } from '../simulator/simulator.ts';

export const CLI = fileURLToPath(new URL('../../packages/core/dist/cli.js', import.meta.url));
export const SIGNED_RUNS_APP = fileURLToPath(new URL('./apps/signed-runs.ts', import.meta.url));

/** A temporary folder for one test file. */
export function temporaryFolder(name: string): string {
  return mkdtempSync(join(tmpdir(), `runproof-evidence-${name}-`));
}

/** An Ed25519 key pair written as PEM files (PKCS#8 private, SPKI public), as `openssl genpkey` writes them. */
export interface KeyFiles {
  privatePath: string;
  publicPath: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function writeKeyPair(folder: string, name: string): KeyFiles {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePath = join(folder, `${name}.pem`);
  const publicPath = join(folder, `${name}.pub.pem`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePath, publicPath, privateKey, publicKey };
}

/** Runs the signed-runs app zero-code, its traces written by the `file` exporter to `traceFile`. */
export async function runSignedApp(options: {
  simulator: Simulator;
  key: string;
  traceFile: string;
  scenario: string;
  env?: Record<string, string>;
}): Promise<AppResult> {
  const result = await runApp(SIGNED_RUNS_APP, {
    args: ['--import', '@runproof/core/register'],
    env: {
      SCENARIO: options.scenario,
      OPENAI_BASE_URL: options.simulator.url,
      OPENAI_API_KEY: 'test-key',
      OTEL_SERVICE_NAME: 'signed-runs',
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: options.traceFile,
      RUNPROOF_SIGNING_KEY_FILE: options.key,
      RUNPROOF_CODE_VERSION: 'evidence-test',
      NODE_NO_WARNINGS: '1',
      ...options.env,
    },
    timeoutMs: 60_000,
  });
  return result;
}

/** `runproof verify …` in its own process, as a user or CI runs it. */
export function runVerify(args: string[]): Promise<AppResult> {
  return runApp(CLI, { scriptArgs: ['verify', ...args] });
}

// ---- OTLP JSON as files hold it ------------------------------------------------------------------

export interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values: OtlpValue[] };
}
export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
  events?: { name: string; timeUnixNano?: string; attributes?: OtlpAttribute[] }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}
export interface OtlpDocument {
  resourceSpans: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans: { scope?: { name?: string }; spans: OtlpSpan[] }[];
  }[];
}

export function readOtlp(path: string): OtlpDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as OtlpDocument;
}

export function spansOf(document: OtlpDocument): OtlpSpan[] {
  return document.resourceSpans.flatMap((resourceSpans) =>
    resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans),
  );
}

/** A span's attribute as a plain value. */
export function attribute(span: { attributes?: OtlpAttribute[] }, key: string): unknown {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return (
    value?.stringValue ??
    value?.boolValue ??
    value?.doubleValue ??
    (value?.intValue === undefined ? undefined : Number(value.intValue))
  );
}

/** Sets a string attribute in place. */
export function setStringAttribute(span: { attributes?: OtlpAttribute[] }, key: string, value: string): void {
  const entry = span.attributes?.find((candidate) => candidate.key === key);
  if (entry === undefined) throw new Error(`the span has no attribute ${key}`);
  entry.value = { stringValue: value };
}

/** The spans of a run, the run span first. */
export function runSpans(document: OtlpDocument, runId: string): OtlpSpan[] {
  const spans = spansOf(document).filter((span) => attribute(span, 'runproof.run.id') === runId);
  return spans.sort(
    (a, b) =>
      Number(attribute(b, 'runproof.run.attempt') !== undefined) -
      Number(attribute(a, 'runproof.run.attempt') !== undefined),
  );
}

/** Removes spans from a document in place. */
export function removeSpans(document: OtlpDocument, remove: (span: OtlpSpan) => boolean): void {
  for (const resourceSpans of document.resourceSpans)
    for (const scopeSpans of resourceSpans.scopeSpans)
      scopeSpans.spans = scopeSpans.spans.filter((span) => !remove(span));
}

/** Adds a span next to `beside`, in the same resource and scope. */
export function addSpanBeside(document: OtlpDocument, beside: OtlpSpan, span: OtlpSpan): void {
  for (const resourceSpans of document.resourceSpans)
    for (const scopeSpans of resourceSpans.scopeSpans)
      if (scopeSpans.spans.includes(beside)) scopeSpans.spans.push(span);
}

/** A deep copy, to edit. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** The decoded DSSE envelope and statement on a run span. */
export function attestationOf(span: OtlpSpan): {
  envelope: { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  statement: Statement;
} {
  const event = span.events?.find((candidate) => candidate.name === 'runproof.run.attestation');
  if (event === undefined) throw new Error(`span ${span.name} has no attestation`);
  const envelope = JSON.parse(String(attribute(event, 'runproof.attestation.envelope'))) as ReturnType<
    typeof attestationOf
  >['envelope'];
  return { envelope, statement: JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement };
}

export interface Statement {
  _type: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: {
    manifest: { runId: string; attempt: number; fingerprint: string };
    run: {
      traceId: string;
      spanId: string;
      parentId: string | null;
      name: string;
      status: string;
      digest: string;
      service: string | null;
    };
    previousAttempt: { attempt: number; traceId: string; spanId: string; ended: boolean } | null;
    ledger: {
      spans: { spanId: string; parentId: string | null; name: string; status: string; digest: string }[];
      overflow?: { count: number; digest: string };
      open?: string[];
    };
  };
}

/** DSSE's pre-authentication encoding, written from the DSSE specification for the tests. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}
