import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { globalSlot } from '../internal/global.ts';

/**
 * Runs need a context manager: the run state and its boundary travel in the active context, and
 * without one (an app that never called `start()` nor registered an SDK) OpenTelemetry's context
 * API is a no-op, so `currentRun()` would be undefined and no guard would find the boundary. So
 * `run()` installs an AsyncLocalStorage context manager when none is registered: context only, no
 * tracer, meter or exporter, so nothing is recorded.
 */

/** The manager `run()` installed, shared by every copy of core in the process. */
const slot = globalSlot<{ manager: AsyncLocalStorageContextManager | undefined }>('fallback-context', () => ({
  manager: undefined,
}));
const PROBE = createContextKey('runproof:context-probe');

/** Whether the registered context manager carries a context into a callback (the no-op one does not). */
function contextPropagates(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/** Installs an AsyncLocalStorage context manager when the one registered is the API's no-op. */
export function ensureContextManager(): void {
  if (contextPropagates()) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (context.setGlobalContextManager(manager)) slot.manager = manager;
  else manager.disable();
}

/**
 * For `start()`: unregisters the context manager a run installed, if it is the one registered, so
 * the SDK registers its own without a duplicate-registration error. Call before the SDK starts.
 */
export function releaseContextManager(): void {
  const manager = slot.manager;
  if (manager === undefined) return;
  slot.manager = undefined;
  // Only ours: `context.disable()` unregisters whatever is registered.
  const probe = ROOT_CONTEXT.setValue(PROBE, manager);
  const registered = manager.with(probe, () => context.active().getValue(PROBE) === manager);
  if (registered) context.disable();
  else manager.disable();
}
