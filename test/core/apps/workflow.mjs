// A user's ESM app, instrumented only by `--import @runproof/core/register`.
import { trace } from '@opentelemetry/api';
import { currentRun, outcome, run, step } from '@runproof/core';

const conditions = process.env.APP_CONDITIONS ? JSON.parse(process.env.APP_CONDITIONS) : { prompt: 'triage-v3' };
await run({ name: 'invoice-triage', owners: { technical: 'ml-platform' }, conditions }, async () => {
  await step('extract', async () => {
    trace.getTracer('user-app').startSpan('parse pdf').end();
  });
  await step('classify', () => outcome('invoice.category', 'utilities'));
  process.stdout.write(`${JSON.stringify({ runId: currentRun().id, manifest: currentRun().manifest() })}\n`);
});
