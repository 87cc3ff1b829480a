// One of several processes claiming the same runs at once: opens the store, says "ready", waits for
// a line on stdin, then claims every run id given (JSON, argv[4]) with its own token, and prints
// what each claim answered.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openStore } from '../../../packages/core/src/continuity/open-store.ts';

const [url, token, ids] = process.argv.slice(2) as [string, string, string];
const store = await openStore(url);
await store.list({ limit: 1 }); // connected, and the schema is there, before the race starts
process.stdout.write('ready\n');
await once(createInterface({ input: process.stdin }), 'line');
const now = Date.now();
const claims = await Promise.all(
  (JSON.parse(ids) as string[]).map((id) => store.claim(id, 'race', token, now + 60_000, now)),
);
process.stdout.write(`${JSON.stringify(claims.map((claim) => claim.kind))}\n`);
await store.close();
process.stdin.destroy();
