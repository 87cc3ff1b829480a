// One run spread over two services, each its own process under --import @runproof/core/register:
// ROLE=billing serves HTTP and prints its port; its handler's span gets the run id from the W3C
// baggage it receives. ROLE=checkout runs the signed run that calls it (BILLING_URL).
import { createServer } from 'node:http';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { run, step } from '@runproof/core';

if (process.env.ROLE === 'billing') {
  const server = createServer((request, response) => {
    context.with(propagation.extract(ROOT_CONTEXT, request.headers), () => {
      const span = trace.getTracer('billing').startSpan('charge card');
      span.end();
      response.end('charged');
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => server.close());
} else {
  await run('checkout', () =>
    step('charge', async () => {
      const headers = {};
      propagation.inject(context.active(), headers);
      return (await fetch(process.env.BILLING_URL, { headers })).text();
    }),
  );
}
