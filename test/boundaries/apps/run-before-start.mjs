// An app that runs once before it starts telemetry, then starts it in code and runs again.
import { currentRun, run, start } from '@runproof/core';

const before = await run('before-start', () => currentRun()?.id);
const runproof = start({ serviceName: 'late-start' });
const afterStart = await run('after-start', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return currentRun()?.id;
});
await runproof.shutdown();
process.stdout.write(`${JSON.stringify({ before, after: afterStart })}\n`);
