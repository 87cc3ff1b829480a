const MARKER = Symbol.for('runproof:error');

/**
 * Base class of every error Runproof throws on purpose. `code` is stable across versions; match on
 * it (or on `isInstance`), not on the message. Works across two installed copies of the package.
 */
export class RunproofError extends Error {
  readonly [MARKER] = true;
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunproofError';
    this.code = code;
  }

  /** True for any Runproof error, including one thrown by another installed copy. */
  static isInstance(value: unknown): value is RunproofError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** One problem found in a configuration or a value, as data. */
export interface Issue {
  code: string;
  /** Where the problem is, e.g. `['otlp', 'protocol']`. */
  path: (string | number)[];
  message: string;
}

/**
 * Invalid configuration: thrown by `start()` (and so by `@runproof/core/register`) before anything
 * is set up. The message names each field and what was expected.
 */
export class ConfigError extends RunproofError {
  readonly issues: Issue[];

  constructor(source: string, issues: Issue[]) {
    const lines = issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
    super('RUNPROOF_INVALID_CONFIG', `Invalid Runproof configuration (${source}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `['otlp', 'headers', 0]` → `otlp.headers[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** A boundary rule a run broke, as data: what `onEscalate` receives and a halt error carries. */
export interface BoundaryViolation {
  /** The policy's name (`ATTR_RUNPROOF_BOUNDARY_POLICY`). */
  policy: string;
  /** The rule that was broken (`ATTR_RUNPROOF_BOUNDARY_RULE`), e.g. `max_tool_calls`. */
  rule: string;
  /** What the policy decided for it. */
  decision: 'record' | 'escalate' | 'halt';
  /** The declared limit: a number for budgets, the allowed names for allow-lists. */
  limit: number | string;
  /** What the call would have reached, or the model or tool that is not allowed. */
  observed: number | string;
  /** The run the violation happened in. */
  runId: string;
  /** A sentence describing it. */
  message: string;
}

/**
 * Thrown before a model call, tool call, step or run starts when a boundary rule whose decision is
 * `halt` would be broken: nothing was sent. The run's outcome becomes `halted`. Match on `code`
 * (`RUNPROOF_BOUNDARY_HALT`) or `BoundaryViolationError.isInstance`.
 *
 * @example
 * try { await run({ name: 'triage', boundary }, work); }
 * catch (error) { if (BoundaryViolationError.isInstance(error)) console.log(error.rule, error.limit, error.observed); }
 */
export class BoundaryViolationError extends RunproofError {
  readonly policy: string;
  readonly rule: string;
  readonly limit: number | string;
  readonly observed: number | string;
  readonly runId: string;

  constructor(violation: BoundaryViolation) {
    super('RUNPROOF_BOUNDARY_HALT', violation.message);
    this.name = 'BoundaryViolationError';
    this.policy = violation.policy;
    this.rule = violation.rule;
    this.limit = violation.limit;
    this.observed = violation.observed;
    this.runId = violation.runId;
  }

  static override isInstance(value: unknown): value is BoundaryViolationError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_BOUNDARY_HALT';
  }
}

/**
 * Thrown by a checkpoint in `enforce` mode when the value does not match its schema; `issues` says
 * where and why (`{ code, path, message }`). Code: `RUNPROOF_VALIDATION_FAILED`.
 *
 * @example
 * catch (error) { if (ValidationError.isInstance(error)) console.log(error.checkpoint, error.issues); }
 */
export class ValidationError extends RunproofError {
  readonly checkpoint: string;
  readonly issues: Issue[];

  constructor(checkpoint: string, issues: Issue[]) {
    const lines = issues.slice(0, 10).map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
    const more = issues.length > 10 ? `\n  … and ${issues.length - 10} more` : '';
    super('RUNPROOF_VALIDATION_FAILED', `Checkpoint "${checkpoint}" failed:\n${lines.join('\n')}${more}`);
    this.name = 'ValidationError';
    this.checkpoint = checkpoint;
    this.issues = issues;
  }

  static override isInstance(value: unknown): value is ValidationError {
    return RunproofError.isInstance(value) && value.code === 'RUNPROOF_VALIDATION_FAILED';
  }
}

/**
 * For adapters: whether `error` is a cancellation rather than a failure: a DOM `AbortError`, or an
 * SDK's user-abort error (the `openai` package's `APIUserAbortError`, whose `name` may stay `Error`).
 *
 * @example
 * const errorType = isCancellation(error) ? markCancelled(span, error) : markError(span, error);
 */
export function isCancellation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.constructor.name === 'APIUserAbortError'
  );
}
