// A signed run with a model call the user instrumented by hand, following the GenAI conventions (a
// provider Runproof has no adapter for): a 64-bit seed, and the answer's messages cut by
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (LIMIT, which the caller sets to the same value) in the middle
// of an emoji. NAN=1 also records a temperature read from an unset setting: NaN.
import { trace } from '@opentelemetry/api';
import { run } from '@runproof/core';

const limit = Number(process.env.LIMIT);
const tracer = trace.getTracer('hand-instrumented');
const prefix = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: '' }] }]).indexOf('""') + 1;
// The emoji's first half is the last code unit the limit keeps.
const content = `${'a'.repeat(limit - 1 - prefix)}\u{1F600} and the rest of the answer`;

await run('quote', async () => {
  const span = tracer.startSpan('chat house-model', {
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'house',
      'gen_ai.request.model': 'house-model',
      'gen_ai.request.seed': 2 ** 60,
      ...(process.env.NAN === '1' ? { 'gen_ai.request.temperature': Number(process.env.UNSET_TEMPERATURE) } : {}),
    },
  });
  span.setAttribute(
    'gen_ai.output.messages',
    JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content }] }]),
  );
  span.end();
});
process.stdout.write('done\n');
