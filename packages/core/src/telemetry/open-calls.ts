import { safely } from '../safely.ts';
import { globalSlot } from '../internal/global.ts';

/** A call an adapter keeps open across turns: a request in flight, a stream being read. */
export interface OpenCall {
  /** Ends the call's span with what it has seen; the app is shutting down. */
  endAtShutdown(): void;
}

/** One list per process, shared by every copy of core an app ends up with (an adapter may load its own). */
const open = globalSlot('open-calls', () => new Set<OpenCall>());

/**
 * For adapters: keeps `call` on the list of calls whose spans end when the app shuts down (DESIGN
 * principle 2), until {@link closeCall}. `RunSpanProcessor` ends them as the tracer provider shuts
 * down, before the exporters' last flush.
 */
export function openCall(call: OpenCall): void {
  open.add(call);
}

/** For adapters: the call's span has ended. */
export function closeCall(call: OpenCall): void {
  open.delete(call);
}

/** Ends every call still open, the latest opened first (a model call before its step, a step before its run). */
export function endOpenCalls(): void {
  for (const call of [...open].reverse()) {
    open.delete(call);
    safely('ending a call at shutdown', undefined, () => call.endAtShutdown());
  }
}
