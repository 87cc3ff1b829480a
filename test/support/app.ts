import { spawn } from 'node:child_process';

const CODE_VERSION_VARIABLES = new Set([
  'GIT_COMMIT',
  'GITHUB_SHA',
  'CI_COMMIT_SHA',
  'VERCEL_GIT_COMMIT_SHA',
  'SOURCE_VERSION',
]);

export interface AppResult {
  code: number | null;
  /** The signal that ended the process, when one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Node program in its own process with the same Node binary as the tests, as a user would:
 * `node [--import …] file`, with the given environment on top of a clean one (no inherited OTEL_*).
 */
export function runApp(
  file: string,
  options: {
    args?: string[];
    scriptArgs?: string[];
    env?: Record<string, string>;
    cwd?: string;
    timeoutMs?: number;
  } = {},
): Promise<AppResult> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value !== undefined &&
      !key.startsWith('OTEL_') &&
      !key.startsWith('RUNPROOF_') &&
      !key.startsWith('NODE_TEST') &&
      !CODE_VERSION_VARIABLES.has(key)
    )
      environment[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.args ?? []), file, ...(options.scriptArgs ?? [])], {
      cwd: options.cwd,
      env: { ...environment, OTEL_METRICS_EXPORTER: 'none', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
