import { RunproofError } from '../errors.ts';

/**
 * The names of runs, steps and checkpoints are span names and metric dimensions, so `run()`,
 * `step()` and `checkpoint()` hold them to one rule, and report a breach with one error code.
 */

/** Longest name `run()`, `step()` and `checkpoint()` accept, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

/** The `code` of the `RunproofError` that `run()`, `step()` and `checkpoint()` throw for a bad argument. */
export const INVALID_ARGUMENT = 'RUNPROOF_INVALID_ARGUMENT';

/**
 * What is wrong with `name` as the name of a run, step or checkpoint: it must be a string with
 * something besides white space, at most {@link MAX_NAME_LENGTH} long. `undefined` when it is fine.
 *
 * @example
 * findNameProblem('') // 'name must be a non-empty string'
 */
export function findNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `name must be a string (got ${describeType(name)})`;
  if (name.trim() === '') return 'name must be a non-empty string';
  if (name.length > MAX_NAME_LENGTH) return `name must be at most ${MAX_NAME_LENGTH} characters (got ${name.length})`;
  return undefined;
}

/**
 * The error for bad arguments to `call` (e.g. `run()`, `checkpoint("invoice.fields")`), naming
 * each problem.
 */
export function invalidArgument(call: string, problems: readonly string[]): RunproofError {
  return new RunproofError(INVALID_ARGUMENT, `${call}: ${problems.join('; ')}`);
}

/** `a number`, `null`, `an array`… — the kind of a value, never the value (it may be content). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
