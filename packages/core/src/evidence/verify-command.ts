import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { keyIdOf, readPublicKey } from './signing-key.ts';
import { readTraceFile } from './trace-file-reader.ts';
import type { TraceSpan } from './trace-span.ts';
import { verifyTraces } from './verify.ts';
import type { RunVerification, VerificationKey, VerifyResult } from './verify-types.ts';

export const VERIFY_USAGE = 'runproof verify <traces.json…> [--key public.pem]… [--run <id>] [--json]';

/** A usage or input problem: printed on stderr, exit code 2 (verification failures exit 1). */
export class CommandInputError extends Error {}

/**
 * Reads a public key file for `verify --key`; throws naming the file when it is no Ed25519 public
 * key (a private key included: it stays with the signer).
 */
export function readVerificationKey(path: string): VerificationKey {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CommandInputError(
      `--key: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const loaded = readPublicKey(bytes);
  if ('problem' in loaded) throw new CommandInputError(`--key: "${path}" ${loaded.problem}`);
  return { keyId: keyIdOf(loaded.value), key: loaded.value, source: path };
}

/** Reads every span of the trace files named; throws naming a file that cannot be read. */
export function readTraceFiles(paths: readonly string[]): TraceSpan[] {
  return paths.flatMap((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new CommandInputError(`cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      return readTraceFile(text, path);
    } catch (error) {
      throw new CommandInputError((error as Error).message);
    }
  });
}

/** `runproof verify`: exit 0 when every run passed, 1 when one failed, 2 for a usage or input problem. */
export function verifyCommand(operands: string[], write: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args: operands,
    allowPositionals: true,
    options: { key: { type: 'string', multiple: true }, run: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new CommandInputError(`usage: ${VERIFY_USAGE}`);
  const keys = (values.key ?? []).map(readVerificationKey);
  const result = verifyTraces(readTraceFiles(positionals), { keys, runId: values.run, files: positionals });
  write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatVerification(result));
  return result.ok ? 0 : 1;
}

/**
 * Text of the trace (span names, attribute values in findings) as it may be printed on a terminal:
 * a line break would print a line of its own (`4 runs: 4 verified`), an escape sequence could move
 * the cursor over the FAIL lines. Each such character is shown escaped, as JSON writes it.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is matched
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) =>
    character < ' '
      ? JSON.stringify(character).slice(1, -1)
      : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The human form of a verification: per run, per attempt, one line a check, then what failed. */
export function formatVerification(result: VerifyResult): string {
  const lines: string[] = [];
  const keys =
    result.keys.length === 0
      ? 'no key given (signatures not checked)'
      : result.keys.map((key) => `${key.source} (key id ${key.keyId.slice(0, 16)}…)`).join(', ');
  lines.push(`runproof verify: ${result.files.join(', ')}`, `trusted keys: ${keys}`, '');
  for (const run of result.runs) lines.push(...formatRun(run), '');
  for (const problem of result.problems) lines.push(`FAILED: ${printable(problem)}`);
  const failed = result.runs.filter((run) => !run.ok).length;
  lines.push(
    `${result.runs.length} run${result.runs.length === 1 ? '' : 's'}: ${result.runs.length - failed} verified, ${failed} failed${result.ok ? '' : ' — NOT VERIFIED'}`,
  );
  return `${lines.join('\n')}\n`;
}

function formatRun(run: RunVerification): string[] {
  const lines = [
    `run ${printable(run.runId)} ${run.name ? `(${printable(run.name)}) ` : ''}— ${run.ok ? 'verified' : 'FAILED'}`,
  ];
  for (const attempt of run.attempts) {
    lines.push(`  attempt ${attempt.attempt}: run span ${attempt.spanId} of trace ${attempt.traceId}`);
    for (const check of attempt.checks) {
      lines.push(`    ${check.ok ? 'ok  ' : 'FAIL'}  ${check.check.padEnd(9)}  ${printable(check.summary)}`);
      for (const problem of check.problems) lines.push(`            - ${printable(problem)}`);
      for (const note of check.notes) lines.push(`            note: ${printable(note)}`);
    }
  }
  for (const problem of run.problems) lines.push(`  FAIL  ${printable(problem)}`);
  for (const note of run.notes) lines.push(`  note: ${printable(note)}`);
  return lines;
}
