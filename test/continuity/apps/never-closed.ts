// An app that uses a run store and never closes it: it must still exit when it has nothing left to
// do, as an app does that forgets to call shutdown().
import { openStore } from '../../../packages/core/src/continuity/open-store.ts';

const store = await openStore(process.argv[2]!);
const now = Date.now();
const claim = await store.claim('never-closed', 'invoice-triage', 'token-1', now + 60_000, now);
await store.renew('never-closed', 'token-1', now + 120_000);
process.stdout.write(`${claim.kind}\n`);
