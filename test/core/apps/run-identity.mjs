// Runs nested, continued and downstream runs under --import @runproof/core/register and prints the
// ids the app's own code saw, one JSON line.
import { createServer } from 'node:http';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { currentRun, run, step } from '@runproof/core';

const seen = {};
const CONTINUED_ID = '0190a5c4-1b2c-7d3e-8f40-5a6b7c8d9e0f';

// A run inside another run.
await run('outer', async (outer) => {
  seen.outer = outer.id;
  await run('inner', (inner) => {
    seen.inner = inner.id;
    return step('inner-work', () => undefined);
  });
});

// A run continued under its own id (a resume) inside another run.
await run('supervisor', async (supervisor) => {
  seen.supervisor = supervisor.id;
  await run({ name: 'resumed', id: CONTINUED_ID, attempt: 2, continuation: 'resume' }, () =>
    step('resumed-work', () => undefined),
  );
});

// A downstream service: its handler runs in the context extracted from the request's headers.
const server = createServer((request, response) => {
  const extracted = propagation.extract(ROOT_CONTEXT, request.headers);
  context
    .with(extracted, () =>
      run('downstream', async (downstream) => {
        seen.downstream = downstream.id;
        await step('downstream-work', () => undefined);
      }),
    )
    .then(() => response.end('ok'));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
await run('upstream', async (upstream) => {
  seen.upstream = upstream.id;
  const headers = {};
  propagation.inject(context.active(), headers);
  await (await fetch(`http://127.0.0.1:${port}/`, { headers })).text();
});
server.close();
seen.outside = currentRun()?.id ?? null;
process.stdout.write(`${JSON.stringify(seen)}\n`);
