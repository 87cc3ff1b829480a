// A signed run whose id, given by the caller, holds a lone UTF-16 surrogate (an invoice number cut
// in the middle of an emoji), with the evidence directory on (RUNPROOF_EVIDENCE_DIR).
import { run, step } from '@runproof/core';

const result = await run({ name: 'invoice-intake', id: 'invoice-\ud83d' }, () => step('read', () => 'read'));
process.stdout.write(`${result}\n`);
