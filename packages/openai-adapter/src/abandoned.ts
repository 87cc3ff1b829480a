/**
 * What the caller abandons without a word: a promise never awaited, a stream never read, or read
 * in part and then forgotten. Nothing else tells the call it is over, so the garbage collector
 * does: once the object is collected, the call's handler runs, and the span ends with what was
 * seen. (A stream the caller stops reading with `break` says so: its iterator's `return()`.)
 */

/** What an {@link AbandonWatch} tells when what the caller held is collected. */
export interface Abandonable {
  abandoned(): void;
}

const watches = new FinalizationRegistry<AbandonWatch>((watch) => watch.fire());

/**
 * A watch the registry holds instead of the call itself, {@link release}d once the call has ended.
 * The registry keeps what it holds alive until the watched object is collected and its clean-up
 * has run (a task, which a busy process runs late): holding the call, a finished stream's call,
 * span and chunks would outlive it, surviving collections and filling the old generation. The
 * watch is its own unregister token (held weakly), so it never keeps what it watches alive.
 */
export class AbandonWatch {
  private target: Abandonable | undefined;

  constructor(target: Abandonable) {
    this.target = target;
  }

  /** Watches `held` (what the caller was given) instead of anything watched before. */
  watch(held: object): void {
    watches.unregister(this);
    watches.register(held, this, this);
  }

  /** The call has ended: nothing is told any more, and the registry lets go of the watch. */
  release(): void {
    this.target = undefined;
    watches.unregister(this);
  }

  /** @internal What the registry calls. */
  fire(): void {
    const target = this.target;
    this.target = undefined;
    target?.abandoned();
  }
}
