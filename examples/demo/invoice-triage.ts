/**
 * The demo app: triages a few invoices with an LLM (triage.ts). It is started with
 * `--import @runproof/core/register`, which instruments the `openai` client. `OPENAI_BASE_URL`
 * points it at the local simulator.
 */
import { triageInvoice } from './triage.ts';

const invoices = [
  'ACME Office Supplies, invoice INV-2291, 1,280.50 EUR due 2026-12-15: 40 boxes of printer paper.',
  'Northwind Cloud, invoice NW-88, 342.00 USD due 2026-12-01: December hosting.',
  'Globex Facilities, invoice GF-1007, 95.20 GBP due 2026-11-30: cleaning supplies.',
];

for (const invoice of invoices) await triageInvoice(invoice);
