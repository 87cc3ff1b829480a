/**
 * The bench's own dependencies (peer instrumentations, the `openai` majors they support, the
 * OpenTelemetry SDK) live in `test/bench/node_modules`, outside the workspace, because the peers
 * pin older OpenTelemetry releases. They are installed from `test/bench/package-lock.json` on the
 * first run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const BENCH_DIRECTORY = fileURLToPath(new URL('.', import.meta.url));
export const WORKSPACE_DIRECTORY = fileURLToPath(new URL('../..', import.meta.url));

const benchRequire = createRequire(new URL('./package.json', import.meta.url));

/** `require` from `test/bench/node_modules`: peers, `openai` copies, the SDK. */
export function requireFromBench<T>(specifier: string): T {
  return benchRequire(specifier) as T;
}

/** The installed version of a bench dependency, or an alias of one (`openai-v6`). */
export function benchPackageVersion(name: string): string {
  // Read from disk: `openai` does not export its package.json.
  const manifest = readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/**
 * Runs `npm ci --prefix test/bench --legacy-peer-deps` when a dependency of `test/bench/package.json`
 * is missing from `test/bench/node_modules`. `--legacy-peer-deps` keeps npm from installing a
 * second `@langchain/core` for OpenInference's LangChain instrumentation: its `require` then
 * resolves upwards to the workspace's copy, the one the agent uses.
 */
export function ensureBenchDependencies(): void {
  const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const missing = Object.keys(manifest.dependencies).filter(
    (name) => !existsSync(new URL(`./node_modules/${name}/package.json`, import.meta.url)),
  );
  if (missing.length === 0) return;
  process.stderr.write(
    `bench: installing the bench's dependencies (${missing.join(', ')} missing): npm ci --prefix test/bench --legacy-peer-deps…\n`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', BENCH_DIRECTORY, '--legacy-peer-deps', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`npm ci --prefix ${BENCH_DIRECTORY} failed (exit ${result.status ?? result.signal})`);
}

/** The workspace build the bench loads Runproof from; `npm run bench` builds it first. */
export function ensureWorkspaceBuild(): void {
  for (const entry of ['packages/core/dist/index.js', 'packages/openai-adapter/dist/index.js']) {
    if (!existsSync(new URL(`../../${entry}`, import.meta.url))) {
      throw new Error(`bench: ${entry} is missing; run \`npm run build\` first (or \`npm run bench\`, which does)`);
    }
  }
}
