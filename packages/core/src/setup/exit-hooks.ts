import type { Shutdown } from './shutdown.ts';

/** The signals whose default action (ending the process) Runproof flushes before. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Makes the end of the process send what is queued, whatever ends it, and end it as Node would
 * have without Runproof:
 *
 * - the event loop empties: a bounded `shutdown` (nothing of Runproof's keeps the loop alive, so
 *   this happens when the app's own work is done); it never re-arms;
 * - `process.exit()`: a synchronous flush in the `exit` event, the only place left to run;
 * - an uncaught exception or unhandled rejection the app does not handle: the same synchronous
 *   flush from `uncaughtExceptionMonitor`, so Node then prints the error and sets the exit code
 *   itself; when the app handles it, only a flush in the background;
 * - SIGTERM or SIGINT when the app has no listener of its own: a bounded shutdown, then the same
 *   signal again with Runproof's listener removed, so the process ends by the signal as it would
 *   have (a second signal does not wait); when the app has its own listener, it decides what
 *   happens and Runproof only flushes in the background.
 */
export function installExitHooks(shutdown: Shutdown, forceFlush: () => Promise<void>): void {
  process.once('beforeExit', () => void shutdown.stop());
  process.once('exit', () => shutdown.stopSynchronously());
  process.on('uncaughtExceptionMonitor', () => {
    if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback())
      void forceFlush().catch(() => undefined);
    else shutdown.stopSynchronously();
  });
  for (const signal of SIGNALS) {
    let received = false;
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) {
        void forceFlush().catch(() => undefined);
        return;
      }
      const raise = () => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      };
      if (received) return raise();
      received = true;
      void shutdown.stop().finally(raise);
    };
    process.on(signal, onSignal);
  }
}
