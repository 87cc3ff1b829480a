// The same app as CommonJS: it loads the ESM-only packages through require(esm).
const { trace } = require('@opentelemetry/api');
const { currentRun, outcome, run, step } = require('@runproof/core');

run({ name: 'invoice-triage', owners: { technical: 'ml-platform' }, conditions: { prompt: 'triage-v3' } }, async () => {
  await step('extract', async () => {
    trace.getTracer('user-app').startSpan('parse pdf').end();
  });
  await step('classify', () => outcome('invoice.category', 'utilities'));
  process.stdout.write(`${JSON.stringify({ runId: currentRun().id, manifest: currentRun().manifest() })}\n`);
});
