/**
 * What the caller lets go of: a promise never awaited, a stream never read, or read in part and
 * then forgotten. Nothing else tells the call it is over, so the garbage collector does: once the
 * object is collected, the call's handler runs, and the span ends with what was seen.
 */
const dropped = new FinalizationRegistry<() => void>((onDropped) => onDropped());

/** Runs `onDropped` once `held` (what the caller was given) is collected; `token` lets it be taken back. */
export function endWhenDropped(held: object, onDropped: () => void, token?: object): void {
  dropped.register(held, onDropped, token);
}

/** Stops watching what was registered with `token`: the caller now holds something else. */
export function stopWatching(token: object): void {
  dropped.unregister(token);
}
