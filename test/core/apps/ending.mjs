// An app that ends in the way its first argument names, right after a run failed; the test runs
// it with and without `--import @runproof/core/register` and compares how the process ended.
import { run, step } from '@runproof/core';

const failingRun = () =>
  run({ name: 'nightly-report' }, async () => {
    await step('load', () => 42);
    throw new Error('report failed: upstream answered 502');
  });

const keepServing = () => setInterval(() => {}, 1000); // a server would keep the process alive like this

switch (process.argv[2]) {
  case 'uncaught-exception':
    failingRun().catch((error) =>
      setTimeout(() => {
        throw error;
      }, 10),
    );
    break;
  case 'unhandled-rejection':
    failingRun();
    break;
  case 'top-level-await':
    await failingRun();
    break;
  case 'process-exit':
    await failingRun().catch(() => {});
    process.exitCode = 4;
    process.exit(3);
    break;
  case 'sigterm':
  case 'sigint': {
    await failingRun().catch(() => {});
    keepServing();
    process.kill(process.pid, process.argv[2].toUpperCase());
    break;
  }
  case 'sigterm-with-own-handler': {
    await failingRun().catch(() => {});
    const serving = keepServing();
    process.on('SIGTERM', () => {
      process.stdout.write('draining\n');
      setTimeout(() => clearInterval(serving), 300);
    });
    process.kill(process.pid, 'SIGTERM');
    break;
  }
  case 'handled-exception': {
    await failingRun().catch(() => {});
    process.on('uncaughtException', (error) => {
      process.stdout.write(`recovered from: ${error.message}\n`);
      process.exitCode = 5;
    });
    setTimeout(() => {
      throw new Error('a bug the app survives');
    }, 10);
    break;
  }
  default:
    throw new Error(`unknown ending ${process.argv[2]}`);
}
