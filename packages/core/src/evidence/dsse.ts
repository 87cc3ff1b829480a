import { verify, type KeyObject } from 'node:crypto';

/** The DSSE payload type of an in-toto Statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** One signature of a DSSE envelope: base64 signature bytes and the id of the key that made them. */
export interface DsseSignature {
  keyid: string;
  sig: string;
}

/**
 * A DSSE envelope (Dead Simple Signing Envelope, v1): the payload base64-encoded, its type, and
 * signatures over its pre-authentication encoding — never over the payload alone, so a signature
 * cannot be replayed on the same bytes read as another type.
 */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

/**
 * DSSE's pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`, lengths as
 * ASCII decimal byte counts. These are the bytes a signature covers; an auditor rebuilds them to
 * check a signature with OpenSSL.
 *
 * @example
 * preAuthenticationEncoding('application/vnd.in-toto+json', Buffer.from('{}')) // 'DSSEv1 28 application/vnd.in-toto+json 2 {}'
 */
export function preAuthenticationEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

/** Signs `payload` with `sign` (over its pre-authentication encoding) into an envelope. */
export function createEnvelope(
  payloadType: string,
  payload: Uint8Array,
  keyId: string,
  sign: (bytes: Uint8Array) => Uint8Array,
): DsseEnvelope {
  const signature = sign(preAuthenticationEncoding(payloadType, payload));
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: keyId, sig: Buffer.from(signature).toString('base64') }],
  };
}

/** Whether `signature` (base64) is an Ed25519 signature of the envelope's pre-authentication encoding by `publicKey`. */
export function verifyEnvelopeSignature(
  envelope: DsseEnvelope,
  signature: DsseSignature,
  publicKey: KeyObject,
): boolean {
  try {
    const pae = preAuthenticationEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
    return verify(null, pae, publicKey, Buffer.from(signature.sig, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Reads a DSSE envelope from its JSON text; `undefined` when the text is no envelope (cut by a
 * size limit on its way, or edited).
 */
export function parseEnvelope(text: string): DsseEnvelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { payloadType, payload, signatures } = parsed as Partial<DsseEnvelope>;
  if (typeof payloadType !== 'string' || typeof payload !== 'string' || !Array.isArray(signatures)) return undefined;
  if (!signatures.every((entry) => typeof entry?.keyid === 'string' && typeof entry.sig === 'string')) return undefined;
  return { payloadType, payload, signatures };
}
