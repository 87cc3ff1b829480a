import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { endOpenCalls } from '../telemetry/open-calls.ts';
import { OtlpSpanExporter, serializeSpans } from './otlp-exporters.ts';
import type { SpanQueue } from './span-queue.ts';

interface PendingRequest {
  queue: SpanQueue;
  count: number;
  exporter: OtlpSpanExporter;
  body: Uint8Array;
}

/**
 * Sends the spans still queued when the process ends without running any more asynchronous work:
 * `process.exit()` and an uncaught exception or unhandled rejection the app does not handle.
 * Calls still open are ended first, so their spans go too. The trace file is written at once; the
 * OTLP requests are sent by a worker thread while this thread waits for it, at most
 * `budgetMillis` (starting the worker takes about 100 ms of it). What is not sent by then is
 * counted as lost.
 */
export function flushSynchronously(queues: readonly SpanQueue[], budgetMillis: number): void {
  const deadline = Date.now() + budgetMillis;
  endOpenCalls();
  const requests: PendingRequest[] = [];
  for (const queue of queues) {
    const spans = queue.takeQueued();
    if (spans.length === 0) continue;
    if (queue.exporter instanceof OtlpSpanExporter) {
      const body = serializeSpans(spans, queue.exporter.target.protocol);
      if (body !== undefined) requests.push({ queue, count: spans.length, exporter: queue.exporter, body });
    } else {
      exportAtOnce(queue, spans);
    }
  }
  if (requests.length > 0) sendAndWait(requests, deadline, budgetMillis);
}

/** The trace file exporter writes synchronously: its callback has run when `export` returns. */
function exportAtOnce(queue: SpanQueue, spans: ReadableSpan[]): void {
  let result: ExportResult | undefined;
  try {
    queue.exporter.export(spans, (exported) => (result = exported));
  } catch (error) {
    result = { code: ExportResultCode.FAILED, error: error as Error };
  }
  if (result?.code === ExportResultCode.SUCCESS) queue.delivery.sent(spans.length);
  else queue.delivery.failed(spans.length, result?.error?.message ?? 'the exporter cannot write synchronously');
}

function sendAndWait(requests: PendingRequest[], deadline: number, budgetMillis: number): void {
  const state = new Int32Array(new SharedArrayBuffer(4 * (requests.length + 1)));
  const { port1, port2 } = new MessageChannel();
  const reasons = new Map<number, string>();
  try {
    const worker = new Worker(new URL('./exit-sender.js', import.meta.url), {
      // Not the app's `--import @runproof/core/register`: the worker only sends.
      execArgv: [],
      workerData: {
        requests: requests.map(({ exporter, body }) => ({ target: exporter.target, body })),
        shared: state.buffer,
        port: port2,
      },
      transferList: [port2],
      stdout: true,
      stderr: true,
    });
    worker.unref();
    for (let finished = Atomics.load(state, 0); finished < requests.length; finished = Atomics.load(state, 0)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      Atomics.wait(state, 0, finished, remaining);
    }
    for (let message = receiveMessageOnPort(port1); message !== undefined; message = receiveMessageOnPort(port1)) {
      const { index, reason } = message.message as { index: number; reason: string };
      reasons.set(index, reason);
    }
  } catch (error) {
    for (let index = 0; index < requests.length; index += 1)
      reasons.set(index, `could not start the sending thread (${String(error)})`);
  }
  for (const [index, { queue, count }] of requests.entries()) {
    const status = Atomics.load(state, index + 1);
    if (status === 1) queue.delivery.sent(count);
    else
      queue.delivery.failed(
        count,
        reasons.get(index) ?? `not sent within the shutdown budget (${budgetMillis} ms) as the process ended`,
      );
  }
  port1.close();
}
