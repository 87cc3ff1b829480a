// A signed run that starts another run inside one of its steps (a month-end close that runs a
// refund approval as a run of its own), written by the `file` exporter.
import { run, step } from '@runproof/core';

await run('month-end', () =>
  step('close', async () => {
    const approved = await run('refund-approval', () => step('review', () => 'approved'));
    return step('book', () => approved);
  }),
);
process.stdout.write('done\n');
