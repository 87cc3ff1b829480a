import {
  ATTR_RUNPROOF_ATTESTATION_ENVELOPE,
  ATTR_RUNPROOF_EVIDENCE_STATUS,
  EVENT_RUNPROOF_RUN_ATTESTATION,
  EVIDENCE_STATUS_VALUE_FAILED,
} from '../semconv.ts';
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope, verifyEnvelopeSignature } from './dsse.ts';
import { RUN_PREDICATE_TYPE, STATEMENT_TYPE, type RunStatement } from './statement.ts';
import type { TraceSpan } from './trace-span.ts';
import { checkResult, type CheckResult, type VerificationKey } from './verify-types.ts';

/** What a run span's attestation event holds, and whether its signature is good. */
export interface ReadAttestation {
  signature: CheckResult;
  /** The statement, when the envelope decodes to one (signed well or not: the other checks say what it claims). */
  statement: RunStatement | undefined;
  keyId: string | null;
}

/**
 * Reads and checks the attestation on a run span: one `EVENT_RUNPROOF_RUN_ATTESTATION` event whose
 * DSSE envelope carries an in-toto statement, signed by one of `keys` (valid, invalid, unknown key,
 * missing).
 */
export function readAttestation(span: TraceSpan, keys: readonly VerificationKey[]): ReadAttestation {
  const fail = (
    summary: string,
    problem: string,
    statement?: RunStatement,
    keyId: string | null = null,
  ): ReadAttestation => ({ signature: checkResult('signature', summary, [problem]), statement, keyId });
  const events = span.events.filter((event) => event.name === EVENT_RUNPROOF_RUN_ATTESTATION);
  if (events.length === 0) {
    const failed = span.attributes[ATTR_RUNPROOF_EVIDENCE_STATUS] === EVIDENCE_STATUS_VALUE_FAILED;
    return fail(
      'missing',
      failed
        ? 'missing: signing failed when the run ended (the run span says evidence status "failed")'
        : 'missing: the run span carries no attestation',
    );
  }
  if (events.length > 1)
    return fail('ambiguous', `the run span carries ${events.length} attestations; a run span is signed once`);
  const text = events[0]!.attributes[ATTR_RUNPROOF_ATTESTATION_ENVELOPE];
  const envelope = typeof text === 'string' ? parseEnvelope(text) : undefined;
  if (envelope === undefined)
    return fail(
      'unreadable',
      'the attestation is no DSSE envelope: cut by an attribute length limit on its way, or edited',
    );
  const statement = decodeStatement(envelope.payloadType, envelope.payload);
  const first = envelope.signatures[0];
  if (first === undefined) return fail('missing', 'missing: the envelope has no signature', statement);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return fail(
      'invalid',
      `the envelope's payload type is "${envelope.payloadType}", not an in-toto statement`,
      statement,
      first.keyid,
    );
  if (statement === undefined)
    return fail(
      'invalid',
      "the envelope's payload is no in-toto Statement v1 of a Runproof run",
      statement,
      first.keyid,
    );
  if (keys.length === 0)
    return fail(
      'not checked',
      `not checked: no --key given (the envelope names key ${first.keyid}); pass the signer's public key`,
      statement,
      first.keyid,
    );
  // DSSE allows several signatures (a key being rotated in beside the old one): one good signature
  // by a trusted key is enough; a trusted key's id on a signature that does not verify is not.
  let invalid: string | undefined;
  for (const signature of envelope.signatures) {
    const key = keys.find((candidate) => candidate.keyId === signature.keyid);
    if (key === undefined) continue;
    if (verifyEnvelopeSignature(envelope, signature, key.key)) {
      return {
        signature: checkResult('signature', `valid, key ${key.keyId.slice(0, 16)}… (${key.source})`, []),
        statement,
        keyId: key.keyId,
      };
    }
    invalid ??= signature.keyid;
  }
  if (invalid !== undefined) {
    return fail(
      'invalid',
      `invalid: the signature of key ${invalid.slice(0, 16)}… does not match the envelope's payload (it was changed after signing)`,
      statement,
      invalid,
    );
  }
  const named = envelope.signatures.map((signature) => signature.keyid).join(', ');
  const given = keys.map((key) => `${key.source}: ${key.keyId.slice(0, 16)}…`).join(', ');
  return fail(
    'unknown key',
    `unknown key: signed by key ${named}, which is none of the keys given (${given})`,
    statement,
    first.keyid,
  );
}

function decodeStatement(payloadType: string, payload: string): RunStatement | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  try {
    const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as RunStatement;
    if (statement?._type !== STATEMENT_TYPE || statement.predicateType !== RUN_PREDICATE_TYPE) return undefined;
    const predicate = statement.predicate;
    if (
      typeof predicate?.manifest !== 'object' ||
      typeof predicate.run !== 'object' ||
      !Array.isArray(predicate.ledger?.spans) ||
      !Array.isArray(statement.subject)
    )
      return undefined;
    return statement;
  } catch {
    return undefined;
  }
}
