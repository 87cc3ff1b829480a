import type { Issue } from '../errors.ts';

/** `ATTR_RUNPROOF_VALIDATION_OUTCOME`: `none` when nothing was checked. */
export type ValidationOutcome = 'pass' | 'fail' | 'repaired' | 'none';

/** The result of a check, as data. `value` is the checked (parsed) value when it passed. */
export interface ValidationResult<Value = unknown> {
  outcome: 'pass' | 'fail' | 'none';
  issues: Issue[];
  value?: Value;
}
