import { activeCall } from './call-context.ts';
import { patchMethod } from './patch.ts';

/**
 * Counts HTTP attempts: wraps the client's per-attempt method (`fetchWithTimeout`, called once per
 * try including the SDK's own retries) on the prototype that defines it. The wrapper adds one to
 * the model call whose request is running (found through the active context), hands it the first
 * attempt's body (`init.body`, the JSON text the SDK serialized: what the input digest is taken of)
 * and calls through; outside a model call it only calls through. Patching the prototype, never an
 * instance, keeps the SDK's `this.fetchWithTimeout === OpenAI.prototype.fetchWithTimeout` checks true.
 */
export function patchAttemptCounter(clientPrototype: object | undefined): boolean {
  const owner = findOwner(clientPrototype, 'fetchWithTimeout');
  if (owner === undefined) return false;
  return patchMethod(owner, 'fetchWithTimeout', 'fetchWithTimeout', (record) => {
    const original = record.original;
    return function countAttempt(this: unknown, _url: unknown, init?: { body?: unknown }): unknown {
      const call = activeCall();
      if (call !== undefined && record.active && call.attempts++ === 0) call.noteRequestBody(init?.body);
      return Reflect.apply(original, this, arguments);
    };
  });
}

/** The object in `start`'s prototype chain that defines `name` itself. */
export function findOwner(start: object | undefined, name: string): object | undefined {
  for (
    let current = start;
    current !== undefined && current !== null && current !== Object.prototype;
    current = Object.getPrototypeOf(current) as object | undefined
  ) {
    if (Object.prototype.hasOwnProperty.call(current, name)) return current;
  }
  return undefined;
}
