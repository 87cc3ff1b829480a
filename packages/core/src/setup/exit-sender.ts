/**
 * The worker behind the synchronous flush at `process.exit()` and on a crash (see exit-flush.ts):
 * the app's thread is blocked waiting, so the OTLP requests are sent from here. Reports each
 * request's result in the shared array (1 sent, 2 failed; slot 0 counts the finished ones) and
 * why one failed on the port.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { OtlpTarget } from './config.ts';
import { OtlpSender } from './otlp-sender.ts';

interface ExitSenderData {
  requests: { target: OtlpTarget; body: Uint8Array }[];
  shared: SharedArrayBuffer;
  port: MessagePort;
}

const { requests, shared, port } = workerData as ExitSenderData;
const state = new Int32Array(shared);
await Promise.all(
  requests.map(async ({ target, body }, index) => {
    const result = await new OtlpSender(target, { detached: false }).send(body);
    if (!result.ok) port.postMessage({ index, reason: result.reason });
    Atomics.store(state, index + 1, result.ok ? 1 : 2);
    Atomics.add(state, 0, 1);
    Atomics.notify(state, 0);
  }),
);
port.close();
