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
