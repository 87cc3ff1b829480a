import { safely } from '@runproof/core/adapter';
import {
  isForeignWrapper,
  patchRecordOf,
  peelForeignWrappers,
  RUNPROOF_PATCH,
  warnDoubleInstrumentation,
  type PatchRecord,
} from './double-instrumentation.ts';

/** Builds the wrapper installed for `record.original`. */
export type WrapperFactory = (record: PatchRecord) => Function;

/**
 * Replaces `target[name]` with a Runproof wrapper, once: if a Runproof wrapper (from this or another
 * copy of the adapter) is already there it stays. Another instrumentation's shimmer wrapper is
 * peeled off (the wrapper calls what it wrapped) and reported once. Returns whether the method is
 * now wrapped by Runproof.
 */
export function patchMethod(target: object, name: string, method: string, createWrapper: WrapperFactory): boolean {
  return safely(`patching openai ${method}`, false, () => {
    const current: unknown = (target as Record<string, unknown>)[name];
    if (typeof current !== 'function') return false;
    const existing = patchRecordOf(current);
    if (existing !== undefined) {
      existing.active = true;
      return true;
    }
    let original = current;
    if (isForeignWrapper(current)) {
      warnDoubleInstrumentation(method);
      original = peelForeignWrappers(current);
      const ours = patchRecordOf(original);
      if (ours !== undefined) {
        // Another instrumentation wrapped ours: put ours back on top.
        ours.active = true;
        install(target, name, ours.wrapper);
        return true;
      }
    }
    const record: PatchRecord = { target, name, method, original, replaced: current, wrapper: original, active: true };
    record.wrapper = createWrapper(record);
    Object.defineProperty(record.wrapper, RUNPROOF_PATCH, { value: record });
    install(target, name, record.wrapper);
    return true;
  });
}

/** Restores what {@link patchMethod} replaced, when the Runproof wrapper is still the one installed. */
export function unpatchMethod(target: object, name: string): void {
  safely('unpatching openai', undefined, () => {
    const record = patchRecordOf((target as Record<string, unknown>)[name]);
    if (record === undefined) return;
    record.active = false;
    install(target, name, record.replaced);
  });
}

/**
 * How a wrapper handles this call: `record` it (active, the method installed), let it through
 * untouched (`off`: disabled), or `guard` it only. `guard` is for a call that arrives through
 * another instrumentation that wrapped ours after the fact: it already has its span, so this call
 * gets no second one, but it is still checked against the run's boundary and counted. The wrapper
 * then puts itself back on top, so later calls are recorded again.
 */
export function callMode(record: PatchRecord): 'record' | 'guard' | 'off' {
  if (!record.active) return 'off';
  const installed = (record.target as Record<string, unknown>)[record.name];
  if (installed === record.wrapper) return 'record';
  if (isForeignWrapper(installed) && peelForeignWrappers(installed as Function) === record.wrapper) {
    warnDoubleInstrumentation(record.method);
    install(record.target, record.name, record.wrapper);
    return 'guard';
  }
  return 'record';
}

function install(target: object, name: string, value: Function): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value,
    writable: true,
    configurable: true,
    enumerable: descriptor?.enumerable ?? false,
  });
}
