/**
 * What the caller abandons without a word: a promise never awaited, a stream never read, or read
 * in part and then forgotten. Nothing else tells the call it is over, so the garbage collector
 * does: once the object is collected, the call's handler runs, and the span ends with what was
 * seen. (A stream the caller stops reading with `break` says so: its iterator's `return()`.)
 */
const abandoned = new FinalizationRegistry<() => void>((onAbandoned) => onAbandoned());

/** Runs `onAbandoned` once `held` (what the caller was given) is collected; `token` lets it be taken back. */
export function endWhenAbandoned(held: object, onAbandoned: () => void, token?: object): void {
  abandoned.register(held, onAbandoned, token);
}

/** Stops watching what was registered with `token`: the caller now holds something else. */
export function stopWatching(token: object): void {
  abandoned.unregister(token);
}
