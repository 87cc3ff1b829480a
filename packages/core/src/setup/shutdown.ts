import { diag } from '@opentelemetry/api';
import { safely } from '../safely.ts';
import { reportUndelivered, type Delivery } from './delivery.ts';

/** What a shutdown stops: the SDK, and the export pipeline whose tallies it reports. */
export interface ShutdownParts {
  /** Ends open calls, flushes every processor and reader, and stops them. */
  stopSdk(): Promise<void>;
  pipeline: {
    deliveries: readonly Delivery[];
    flushSynchronously(budgetMillis: number): void;
    abandon(reason: string): void;
  };
  /** The budget in force (`shutdownTimeoutMillis`), read when the shutdown starts. */
  budgetMillis(): number;
}

/**
 * The end of the SDK, bounded: `stop()` flushes and stops within the budget, `stopSynchronously()`
 * does what can be done without asynchronous work (at `process.exit()` or a crash) in what is left
 * of it. Either way, what was not sent is counted as lost and reported once.
 */
export class Shutdown {
  private readonly parts: ShutdownParts;
  private startedAt: number | undefined;
  private stopping: Promise<void> | undefined;
  private finished = false;

  constructor(parts: ShutdownParts) {
    this.parts = parts;
  }

  /** Later calls return the same promise. Holds the process open until done or out of budget. */
  stop(): Promise<void> {
    this.stopping ??= this.stopWithin(this.parts.budgetMillis());
    return this.stopping;
  }

  /** Sends what is queued synchronously, within what is left of the budget, then reports. Never throws. */
  stopSynchronously(): void {
    if (this.finished) return;
    const budget = this.parts.budgetMillis();
    const remaining = this.startedAt === undefined ? budget : Math.max(0, this.startedAt + budget - Date.now());
    if (remaining > 0) safely('the flush at exit', undefined, () => this.parts.pipeline.flushSynchronously(remaining));
    this.finish('the process ended before it could be sent');
  }

  private async stopWithin(budget: number): Promise<void> {
    this.startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    // This timer is ref'd on purpose: it keeps the process alive while the flush runs, no longer.
    const outOfTime = new Promise<'out of time'>(
      (resolve) => (timer = setTimeout(() => resolve('out of time'), budget)),
    );
    const stopped = this.parts.stopSdk().then(
      () => 'stopped' as const,
      (error: unknown) => {
        diag.error('runproof: shutdown failed', error);
        return 'stopped' as const;
      },
    );
    const outcome = await Promise.race([stopped, outOfTime]);
    clearTimeout(timer);
    this.finish(
      outcome === 'out of time'
        ? `still queued or in flight when the shutdown budget (${budget} ms) ran out`
        : 'not sent at shutdown',
    );
  }

  private finish(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    safely('the report of what was not sent', undefined, () => {
      this.parts.pipeline.abandon(reason);
      reportUndelivered(this.parts.pipeline.deliveries);
    });
  }
}
