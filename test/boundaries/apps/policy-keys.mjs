// Runs of several names under policies from the RUNPROOF_CONFIG file (keys: run names and globs),
// under --import @runproof/core/register. Prints, per run, what its tool calls were decided.
import { BoundaryViolationError, run, tool } from '@runproof/core';

const lookupVendor = tool('lookup_vendor', async () => 'approved');
const refund = tool('refund', async () => 'refunded');

async function calls(name) {
  return run(name, async () => {
    const decided = [];
    for (const call of [lookupVendor, refund]) {
      try {
        await call();
        decided.push('ran');
      } catch (error) {
        if (!BoundaryViolationError.isInstance(error)) throw error;
        decided.push(`${error.policy}: ${error.rule}`);
      }
    }
    return decided;
  }).catch((error) => [`run failed: ${error.message}`]);
}

const seen = {};
for (const name of [
  'invoice-intake',
  'invoice-triage',
  'invoice-triage-eu',
  'Billing',
  'Billing',
  'biling',
  'Invoice-Intake',
  'payroll',
  'bill',
])
  seen[name] = await calls(name);
process.stdout.write(`${JSON.stringify(seen)}\n`);
