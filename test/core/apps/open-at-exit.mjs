// An app that ends, in the way its first argument names, while a run and its step are still open.
import { run, step } from '@runproof/core';

const endings = {
  'process-exit': () => process.exit(3),
  'uncaught-exception': () => {
    throw new Error('a bug elsewhere in the app');
  },
  sigterm: () => process.kill(process.pid, 'SIGTERM'),
};

await run({ name: 'open-at-exit' }, () =>
  step('waiting', async () => {
    setTimeout(endings[process.argv[2]], 50);
    setInterval(() => {}, 1000); // a server keeps the process alive
    await new Promise(() => {}); // the step never finishes
  }),
);
