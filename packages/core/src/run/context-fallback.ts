import { context, createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
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

/**
 * Calls `fn(argument)` with `runContext` active, as `context.with` does. When the registered
 * context manager did not make it active (the API's no-op one), an AsyncLocalStorage one is
 * installed first and `fn` is called through it. The run's own context is the probe: no context
 * is built and entered per run only to ask whether one propagates.
 */
export function withRunContext<A, R>(runContext: Context, fn: (argument: A) => R, argument: A): R {
  return context.with(runContext, () => {
    if (context.active() === runContext) return fn(argument);
    installContextManager();
    return context.with(runContext, fn, undefined, argument);
  });
}

/** Installs an AsyncLocalStorage context manager; none when another one is registered already. */
function installContextManager(): void {
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
