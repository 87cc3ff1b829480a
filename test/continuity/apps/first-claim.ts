// Opens the store a URL names and claims one run; prints what it got, or the error's name, code
// and issues.
import { openStore } from '../../../packages/core/src/continuity/open-store.ts';

try {
  const store = await openStore(process.argv[2]!);
  const now = Date.now();
  const claim = await store.claim('inv-1', 'invoice-triage', 'token-1', now + 60_000, now);
  await store.close();
  process.stdout.write(`${JSON.stringify({ claim: claim.kind })}\n`);
} catch (error) {
  const { name, code, issues } = error as { name: string; code?: string; issues?: unknown };
  process.stdout.write(`${JSON.stringify({ name, code, issues })}\n`);
}
