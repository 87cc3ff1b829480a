import { diag } from '@opentelemetry/api';
import { warnLoudly } from '../safely.ts';

/**
 * What reached one destination (an OTLP endpoint, the trace file) and what did not: spans dropped
 * from a full queue, exports that failed, and what was still queued or in flight when the shutdown
 * budget ran out. Reported once, at shutdown.
 */
export class Delivery {
  readonly unit: 'span' | 'metric export';
  readonly destination: string;
  delivered = 0;
  lost = 0;
  /** Why the last loss happened, e.g. `connect ECONNREFUSED 127.0.0.1:4318`. */
  reason: string | undefined;
  /** Why the last attempt to send failed, even if a retry was still to come. */
  lastAttempt: string | undefined;

  constructor(unit: 'span' | 'metric export', destination: string) {
    this.unit = unit;
    this.destination = destination;
  }

  sent(count: number): void {
    this.delivered += count;
  }

  attemptFailed(reason: string): void {
    this.lastAttempt = reason;
  }

  failed(count: number, reason: string): void {
    if (count <= 0) return;
    if (this.lost === 0)
      diag.warn(
        `runproof: ${describe(count, this.unit)} could not be sent to ${this.destination} (${reason}); Runproof keeps trying and reports the total at shutdown`,
      );
    this.lost += count;
    this.reason = reason;
  }
}

/**
 * Says once what could not be sent. On stderr whatever `OTEL_LOG_LEVEL` says when a destination
 * received nothing at all (its telemetry is all lost); through `diag` when some of it got through.
 */
export function reportUndelivered(deliveries: readonly Delivery[]): void {
  const lossy = deliveries.filter((delivery) => delivery.lost > 0);
  if (lossy.length === 0) return;
  const details = lossy
    .map((delivery) => `${describe(delivery.lost, delivery.unit)} to ${delivery.destination} (${explain(delivery)})`)
    .join('; ');
  if (lossy.every((delivery) => delivery.delivered === 0)) {
    warnLoudly('telemetry-lost', `runproof: telemetry was lost, none of it reached its destination: ${details}`);
  } else if (lossy.some((delivery) => delivery.delivered === 0)) {
    warnLoudly('telemetry-lost', `runproof: telemetry was lost, some destinations received none of it: ${details}`);
  } else {
    diag.warn(`runproof: some telemetry could not be sent: ${details}`);
  }
}

function explain(delivery: Delivery): string {
  const reason = delivery.reason ?? 'unknown reason';
  return delivery.lastAttempt === undefined || reason.includes(delivery.lastAttempt)
    ? reason
    : `${reason}; last attempt: ${delivery.lastAttempt}`;
}

function describe(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
