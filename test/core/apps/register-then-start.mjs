// The README's two set-ups together: `--import @runproof/core/register`, then start() in code with
// policies (and, when START_OPTIONS says so, options that cannot change once the SDK runs).
import { BoundaryViolationError, run, start, tool } from '@runproof/core';

const extra = process.env.START_OPTIONS ? JSON.parse(process.env.START_OPTIONS) : {};
const policies = { 'invoice-triage': { allowedTools: ['lookup_vendor'] } };
start({ ...extra, policies });
if (process.env.START_AGAIN) start({ ...extra, policies });

let deleted = false;
const deleteInvoice = tool('delete_invoice', async () => {
  deleted = true;
});
let error;
try {
  await run('invoice-triage', () => deleteInvoice());
} catch (caught) {
  error = caught;
}
process.stdout.write(
  `${JSON.stringify({ deleted, halted: BoundaryViolationError.isInstance(error), rule: error?.rule })}\n`,
);
