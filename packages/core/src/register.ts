/**
 * Zero-code entry point: `node --import @runproof/core/register app.js`. Installs the ES module hook
 * the instrumentations need, then starts Runproof from `OTEL_*` / `RUNPROOF_*` variables and the
 * optional `RUNPROOF_CONFIG` JSON file. `start()` sees the process out: what is queued is sent when
 * the app's work is done, on `process.exit()`, on a crash and on SIGTERM/SIGINT, within the
 * shutdown budget, and the process then ends as it would have without Runproof. A configuration
 * error stops the process before the app runs (exit code 78), with one message naming each bad
 * field of every source.
 */
import * as nodeModule from 'node:module';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { ConfigError } from './errors.ts';
import { start } from './setup/start.ts';
import { waitForDriftBaselines } from './drift/fleet.ts';

/** Modules the adapters patch; only these go through the ES module hook. */
// The OpenAI adapter reaches everything through the package's entry point; the LangChain adapter
// patches files inside @langchain/core, which are resolved by path.
const INSTRUMENTED_MODULES = ['openai', /^@langchain\//, /(^|[/\\]node_modules[/\\])@langchain[/\\]/];

if (supportsSyncHooks()) {
  registerSyncHooks({ include: INSTRUMENTED_MODULES });
} else {
  nodeModule.register('import-in-the-middle/hook.mjs', import.meta.url);
}

try {
  start();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(78); // EX_CONFIG
}

// With a store, the app starts once the fleet's drift baselines are in (a few milliseconds), or
// after RUNPROOF_BASELINE_WAIT_MS (half a second; checked by start()) if the store is slow or down:
// its first calls compare with the fleet's.
await waitForDriftBaselines(Number(process.env.RUNPROOF_BASELINE_WAIT_MS?.trim() || 500));
