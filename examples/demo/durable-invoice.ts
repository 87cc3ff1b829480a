/**
 * The demo's durable run: one invoice triaged as a durable run whose journal is in a SQLite file
 * (`RUNPROOF_STORE`). With `CRASH_AFTER_CLASSIFY=1` the process kills itself once the invoice is
 * classified, as a pod would be killed; run again, it resumes the same run: the extraction and the
 * classification are replayed from the journal, only the note is written.
 */
import { triageInvoice } from './triage.ts';

const crash = process.env.CRASH_AFTER_CLASSIFY === '1';
await triageInvoice('Initech Consulting, invoice IC-4711, 7,900.00 EUR due 2026-12-31: quarterly audit support.', {
  id: 'invoice-IC-4711',
  durable: true,
  afterClassify: crash ? () => process.kill(process.pid, 'SIGKILL') : undefined,
});
