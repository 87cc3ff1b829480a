import { canonicalize } from '../identity/canonical-json.ts';
import { StepResultError } from './errors.ts';

/** How step and run results are turned into what the store keeps, and back. */
export interface ResultCodec {
  /** Largest JSON text accepted, in UTF-8 bytes. */
  maxResultBytes: number;
  /** Applied to the JSON text before it is stored (e.g. to encrypt it); default: none. */
  encode?: (json: string) => string;
  /** The inverse of `encode`, applied when a result is replayed. */
  decode?: (stored: string) => string;
}

/**
 * A step's result as the store keeps it: its canonical JSON (an empty string for `undefined`),
 * through the user's `encode`. Throws `StepResultError` naming the step for a value JSON cannot
 * hold (a function, a bigint, NaN, a cycle) or one over the size cap, before anything is written.
 */
export function encodeResult(step: string, value: unknown, codec: ResultCodec): string {
  let json: string;
  try {
    json = value === undefined ? '' : canonicalize(value);
  } catch (error) {
    const problem =
      error instanceof RangeError
        ? 'it refers to itself (a cycle)'
        : `it is not JSON-serializable (${(error as Error).message})`;
    throw new StepResultError(step, problem);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > codec.maxResultBytes)
    throw new StepResultError(
      step,
      `it is ${bytes} bytes of JSON, over the limit of ${codec.maxResultBytes} (maxResultBytes)`,
    );
  return codec.encode === undefined ? json : codec.encode(json);
}

/** The value a stored result holds, as JSON gives it back (a `Date` comes back as its ISO string). */
export function decodeResult(stored: string, codec: ResultCodec): unknown {
  const json = codec.decode === undefined ? stored : codec.decode(stored);
  return json === '' ? undefined : JSON.parse(json);
}
