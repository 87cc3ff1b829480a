import { createPrivateKey, createPublicKey, hash, KeyObject, sign as signWithKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { preAuthenticationEncoding } from './dsse.ts';

/** What signs attestations: the key id envelopes name, the public key, and the signing itself. */
export interface EvidenceSigner {
  /** Lowercase hex SHA-256 of the public key's SPKI DER (what `openssl pkey -pubin -outform DER | sha256sum` prints). */
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Signs bytes, returning the raw 64-byte Ed25519 signature. */
  sign(bytes: Uint8Array): Uint8Array;
}

/** A key as `start({ evidence })` takes it: PEM text, PEM or DER bytes, or a `KeyObject`. */
export type KeyInput = string | Uint8Array | KeyObject;

/** A result or why there is none, said so that it completes "… is …" after the field's name. */
export type Loaded<T> = { value: T } | { problem: string };

const HOW_TO_MAKE_ONE = 'make one with `openssl genpkey -algorithm ed25519 -out signing-key.pem`';

/**
 * The key id of a public key: lowercase hex SHA-256 of its SubjectPublicKeyInfo DER.
 *
 * @example
 * keyIdOf(createPublicKey(readFileSync('key.pub.pem'))) // '3f1c…' (64 hex characters)
 */
export function keyIdOf(publicKey: KeyObject): string {
  return hash('sha256', publicKey.export({ type: 'spki', format: 'der' }), 'hex');
}

/**
 * An Ed25519 private key as a signer. Node's `crypto.sign(null, …)` signs just as happily with an
 * RSA or EC key, so any other type is refused by name here; a public or OpenSSH key given where the
 * private key belongs is named as such rather than left to OpenSSL's "unsupported".
 */
export function loadSigningKey(input: KeyInput): Loaded<EvidenceSigner> {
  const key = readPrivateKey(input);
  if ('problem' in key) return key;
  const privateKey = key.value;
  const publicKey = createPublicKey(privateKey);
  return { value: { keyId: keyIdOf(publicKey), publicKey, sign: (bytes) => signWithKey(null, bytes, privateKey) } };
}

/** Reads the file `RUNPROOF_SIGNING_KEY_FILE` (or `evidence.keyFile`) names, as {@link loadSigningKey}. */
export function loadSigningKeyFile(path: string): Loaded<EvidenceSigner> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { problem: `cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  const loaded = loadSigningKey(bytes);
  return 'problem' in loaded ? { problem: `"${path}" ${loaded.problem}` } : loaded;
}

/**
 * A signer around a hook (a KMS or HSM): `sign` gets the bytes to sign and returns the raw Ed25519
 * signature synchronously; `publicKey` gives the key id. The hook is tried once here, so a hook that
 * throws or signs with another key is found at start, not at the end of the first run.
 */
export function hookSigner(sign: (bytes: Uint8Array) => Uint8Array, publicKeyInput: KeyInput): Loaded<EvidenceSigner> {
  const publicKey = readPublicKey(publicKeyInput);
  if ('problem' in publicKey) return { problem: `publicKey ${publicKey.problem}` };
  const probe = preAuthenticationEncoding('application/vnd.runproof.probe', Buffer.from('probe'));
  let signature: unknown;
  try {
    signature = sign(probe);
  } catch (error) {
    return { problem: `sign threw when tried at start: ${(error as Error)?.message ?? String(error)}` };
  }
  if (typeof (signature as Promise<unknown>)?.then === 'function')
    return {
      problem: 'sign returned a Promise: it must return the signature synchronously (it runs as the run span ends)',
    };
  if (!(signature instanceof Uint8Array))
    return { problem: 'sign must return the signature as a Uint8Array (a Buffer)' };
  if (!verify(null, probe, publicKey.value, signature))
    return {
      problem:
        'sign returned a signature that publicKey does not verify: the hook signs with another key, or not with Ed25519',
    };
  return { value: { keyId: keyIdOf(publicKey.value), publicKey: publicKey.value, sign } };
}

/**
 * An Ed25519 public key for `runproof verify --key`: PEM (`PUBLIC KEY`) text or bytes. A private
 * key is refused, so a signing key is never passed around to auditors by mistake.
 */
export function readPublicKey(input: KeyInput): Loaded<KeyObject> {
  if (input instanceof KeyObject) {
    if (input.type !== 'public')
      return {
        problem: `is a ${input.type} key, not a public key${input.type === 'private' ? ': give its public half (`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem`)' : ''}`,
      };
    return ed25519(input);
  }
  const text = Buffer.from(input).toString('utf8');
  const kind = describePem(text);
  if (kind === 'private')
    return {
      problem:
        'is a private key, not a public key: give its public half (`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem`); the private key stays with the signer',
    };
  if (kind !== undefined && kind !== 'public') return { problem: `is ${kind}, not a PEM public key` };
  try {
    return ed25519(
      createPublicKey(kind === 'public' ? text : { key: Buffer.from(input), format: 'der', type: 'spki' }),
    );
  } catch (error) {
    if (kind === undefined && derKind(input) === 'private')
      return {
        problem:
          'is a private key (DER PKCS#8), not a public key: give its public half (`openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem`); the private key stays with the signer',
      };
    return { problem: `is not a PEM public key (${(error as Error).message})` };
  }
}

function readPrivateKey(input: KeyInput): Loaded<KeyObject> {
  if (input instanceof KeyObject) {
    if (input.type === 'public')
      return {
        problem:
          'is a public key, not a private key: Runproof signs with the private key; its public half is what `runproof verify --key` takes',
      };
    if (input.type === 'secret')
      return { problem: `is a secret (symmetric) key, not an Ed25519 private key: ${HOW_TO_MAKE_ONE}` };
    return ed25519(input);
  }
  const text = Buffer.from(input).toString('utf8');
  const kind = describePem(text);
  if (kind === 'public')
    return {
      problem:
        'is a public key (PEM "PUBLIC KEY"), not a private key: Runproof signs with the private key; its public half is what `runproof verify --key` takes',
    };
  if (kind !== undefined && kind !== 'private')
    return { problem: `is ${kind}, not a PEM private key: ${HOW_TO_MAKE_ONE}` };
  try {
    return ed25519(
      createPrivateKey(kind === 'private' ? text : { key: Buffer.from(input), format: 'der', type: 'pkcs8' }),
    );
  } catch (error) {
    if (kind === undefined && derKind(input) === 'public')
      return {
        problem:
          'is a public key (DER SubjectPublicKeyInfo), not a private key: Runproof signs with the private key; its public half is what `runproof verify --key` takes',
      };
    return { problem: `is not a PEM private key (${(error as Error).message}): ${HOW_TO_MAKE_ONE}` };
  }
}

/** What DER bytes that did not read as the key wanted hold instead: a public or a private key, if either. */
function derKind(input: string | Uint8Array): 'public' | 'private' | undefined {
  const key = Buffer.from(input);
  try {
    createPublicKey({ key, format: 'der', type: 'spki' });
    return 'public';
  } catch {
    // Not a public key: perhaps a private one.
  }
  try {
    createPrivateKey({ key, format: 'der', type: 'pkcs8' });
    return 'private';
  } catch {
    return undefined;
  }
}

function ed25519(key: KeyObject): Loaded<KeyObject> {
  if (key.asymmetricKeyType === 'ed25519') return { value: key };
  const type = key.asymmetricKeyType ?? 'unknown';
  const name =
    type === 'rsa' || type === 'rsa-pss'
      ? `an RSA key (${type})`
      : type === 'ec'
        ? `an EC key (${key.asymmetricKeyDetails?.namedCurve ?? 'ec'})`
        : `a ${type} key`;
  return { problem: `is ${name}: Runproof signs and verifies only with Ed25519; ${HOW_TO_MAKE_ONE}` };
}

/**
 * What PEM-or-OpenSSH text holds, as far as refusing it by name needs: `private`, `public`, a
 * phrase naming something else, or `undefined` when it is no PEM at all (DER bytes, perhaps).
 */
function describePem(text: string): string | undefined {
  const trimmed = text.trimStart();
  if (/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+|sk-ssh-\S+) AAAA/.test(trimmed)) return 'an OpenSSH public key line';
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label === undefined) return undefined;
  if (label === 'OPENSSH PRIVATE KEY') return 'an OpenSSH private key, which Node cannot read';
  if (label === 'ENCRYPTED PRIVATE KEY')
    return 'an encrypted private key (Runproof takes it unencrypted: `openssl pkey -in key.pem -out plain.pem`)';
  if (label === 'PUBLIC KEY' || label.endsWith(' PUBLIC KEY')) return 'public';
  if (label === 'PRIVATE KEY' || label.endsWith(' PRIVATE KEY')) return 'private';
  if (label === 'CERTIFICATE') return 'a certificate';
  return `a PEM "${label}"`;
}
