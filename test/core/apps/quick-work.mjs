// A zero-code app whose work ends after about a second (a run every 50 ms), leaving nothing of its
// own on the event loop; it prints when its work ended so the test can time the exit.
import { run, step } from '@runproof/core';

const until = Date.now() + Number(process.env.WORK_MS ?? 1000);
let runs = 0;
while (Date.now() < until) {
  await run({ name: 'quick-work' }, () => step('tick', () => new Promise((resolve) => setTimeout(resolve, 50))));
  runs += 1;
}
process.stdout.write(`${JSON.stringify({ runs, workEndedAt: Date.now() })}\n`);
