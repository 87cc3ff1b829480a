import { metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import {
  METRIC_RUNPROOF_BOUNDARY_DECISIONS,
  METRIC_RUNPROOF_DRIFT_EVENTS,
  METRIC_RUNPROOF_HANDOFF_WAIT,
  METRIC_RUNPROOF_RUN_DURATION,
  METRIC_RUNPROOF_RUNS,
  METRIC_RUNPROOF_VALIDATION_CHECKS,
} from '../semconv.ts';
import { VERSION } from '../version.ts';
import { SCOPE_OPTIONS } from './scope.ts';

export interface CoreInstruments {
  runs: Counter;
  runDuration: Histogram;
  validationChecks: Counter;
  boundaryDecisions: Counter;
  driftEvents: Counter;
  handoffWait: Histogram;
}

let cached: { provider: MeterProvider; instruments: CoreInstruments } | undefined;

/**
 * The core's metric instruments, created against the meter provider in force. The metrics API has
 * no proxy provider (unlike traces), so instruments made before `start()` would stay no-ops forever:
 * they are re-created when the global provider changes.
 */
export function getInstruments(): CoreInstruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider === provider) return cached.instruments;
  const meter = provider.getMeter('@runproof/core', VERSION, SCOPE_OPTIONS);
  const instruments: CoreInstruments = {
    runs: meter.createCounter(METRIC_RUNPROOF_RUNS, {
      description: 'Runs ended, by run name and outcome.',
      unit: '{run}',
    }),
    runDuration: meter.createHistogram(METRIC_RUNPROOF_RUN_DURATION, {
      description: 'Duration of runs, by run name and outcome.',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600] },
    }),
    validationChecks: meter.createCounter(METRIC_RUNPROOF_VALIDATION_CHECKS, {
      description: 'Validation checks, by checkpoint and outcome.',
      unit: '{check}',
    }),
    boundaryDecisions: meter.createCounter(METRIC_RUNPROOF_BOUNDARY_DECISIONS, {
      description: 'Boundary decisions, by policy, rule and decision.',
      unit: '{decision}',
    }),
    driftEvents: meter.createCounter(METRIC_RUNPROOF_DRIFT_EVENTS, {
      description: 'Drift signals, by kind.',
      unit: '{event}',
    }),
    handoffWait: meter.createHistogram(METRIC_RUNPROOF_HANDOFF_WAIT, {
      description: 'How long a handoff waited until its target resumed the run, by run name and target.',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800],
      },
    }),
  };
  cached = { provider, instruments };
  return instruments;
}
