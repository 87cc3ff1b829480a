import { context, type Attributes } from '@opentelemetry/api';
import { warnOnce } from '../safely.ts';
import {
  ATTR_RUNPROOF_OUTCOME_NAME,
  ATTR_RUNPROOF_OUTCOME_STATUS,
  ATTR_RUNPROOF_OUTCOME_UNIT,
  ATTR_RUNPROOF_OUTCOME_VALUE,
  EVENT_RUNPROOF_OUTCOME,
} from '../semconv.ts';
import { describeType, findNameProblem } from './argument-checks.ts';
import { getRunState } from './run-state.ts';

/** Options of {@link outcome}. */
export interface OutcomeOptions {
  /** UCUM-style unit of `value`, e.g. `USD`, `{invoice}`. Default: none. */
  unit?: string;
  /** Whether the business outcome is good, e.g. `ok`, `rejected`. Default: none. */
  status?: string;
}

const EXPECTED_VALUE = "an outcome's value is a string, a finite number or a boolean";

/**
 * Attaches a business outcome to the current run: an `EVENT_RUNPROOF_OUTCOME` event on the run span.
 * The value is a string, a finite number or a boolean. Never throws: outside a run, or with a value
 * it cannot record faithfully (an object, an array, `null`, `NaN`, `Infinity`…), a name that
 * `run()` would reject, or a `unit` or `status` that is not a string, it records nothing and says
 * why once per outcome name through `diag`.
 *
 * @example
 * outcome('invoice.approved_amount', 1280.5, { unit: 'EUR', status: 'approved' });
 */
export function outcome(name: string, value: string | number | boolean, options: OutcomeOptions = {}): void {
  const nameProblem = findNameProblem(name);
  if (nameProblem !== undefined) {
    warnOnce('outcome-name', `runproof: an outcome was not recorded: its ${nameProblem}`);
    return;
  }
  const state = getRunState(context.active());
  if (state === undefined) {
    warnOnce('outcome-outside-run', `runproof: outcome('${name}') called outside a run; it was not recorded`);
    return;
  }
  const problem = findValueProblem(value) ?? findOptionsProblem(options);
  if (problem !== undefined) {
    warnOnce(`outcome:${name}`, `runproof: outcome('${name}') was not recorded: ${problem}`);
    return;
  }
  const attributes: Attributes = { [ATTR_RUNPROOF_OUTCOME_NAME]: name, [ATTR_RUNPROOF_OUTCOME_VALUE]: value };
  if (options?.unit !== undefined) attributes[ATTR_RUNPROOF_OUTCOME_UNIT] = options.unit;
  if (options?.status !== undefined) attributes[ATTR_RUNPROOF_OUTCOME_STATUS] = options.status;
  state.span.addEvent(EVENT_RUNPROOF_OUTCOME, attributes);
}

function findValueProblem(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : `its value is ${String(value)}; ${EXPECTED_VALUE}`;
  return `its value is ${describeType(value)}; ${EXPECTED_VALUE}`;
}

function findOptionsProblem(options: unknown): string | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    return `its options are ${describeType(options)}, not { unit, status }`;
  for (const field of ['unit', 'status'] as const) {
    const option = (options as OutcomeOptions)[field];
    if (option !== undefined && typeof option !== 'string')
      return `its ${field} is ${describeType(option)}, not a string`;
  }
  return undefined;
}
