/**
 * Process-wide state shared by every installed copy of `@runproof/core` (an app can end up with two
 * copies through nested dependencies): keyed by `Symbol.for`, as OpenTelemetry's API does.
 */
export function globalSlot<T>(name: string, create: () => T): T {
  const key = Symbol.for(`runproof:${name}`);
  const store = globalThis as Record<symbol, unknown>;
  if (!(key in store)) store[key] = create();
  return store[key] as T;
}
