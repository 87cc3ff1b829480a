import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type { ExportResult } from '@opentelemetry/core';
import type * as OtlpTransformer from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

// Loaded on first export, not when the package is imported.
const load = createRequire(import.meta.url);
/** `ExportResultCode` of `@opentelemetry/core`: 0 success, 1 failed. */
const SUCCESS = 0;
const FAILED = 1;

const HEAD = '{"resourceSpans":[';
const TAIL = ']}\n';

/**
 * Writes spans to one OTLP JSON document (`{"resourceSpans":[…]}`), the format Jaeger's UI opens
 * through "Upload JSON file" and `otelcol`'s file receiver reads. Each export appends in place, so
 * the file is valid JSON after every batch and the cost per batch does not grow with the file.
 *
 * @example
 * new BatchSpanProcessor({ exporter: new OtlpJsonFileExporter('traces.json') })
 */
export class OtlpJsonFileExporter implements SpanExporter {
  private descriptor: number | undefined;
  private position = 0;
  private empty = true;

  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      const { JsonTraceSerializer } = load('@opentelemetry/otlp-transformer') as typeof OtlpTransformer;
      const bytes = JsonTraceSerializer.serializeRequest(spans);
      const request =
        bytes === undefined
          ? undefined
          : (JSON.parse(Buffer.from(bytes).toString('utf8')) as { resourceSpans?: unknown[] });
      const items = request?.resourceSpans ?? [];
      if (items.length > 0) this.append(items.map((item) => JSON.stringify(item)).join(','));
      resultCallback({ code: SUCCESS });
    } catch (error) {
      resultCallback({ code: FAILED, error: error as Error });
    }
  }

  shutdown(): Promise<void> {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  private append(items: string): void {
    if (this.descriptor === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.descriptor = openSync(this.path, 'w');
      this.position = writeSync(this.descriptor, HEAD, 0);
    }
    // Overwrite the closing brackets of the previous batch, then close the document again.
    const chunk = `${this.empty ? '' : ','}${items}`;
    this.position += writeSync(this.descriptor, chunk, this.position);
    writeSync(this.descriptor, TAIL, this.position);
    this.empty = false;
  }
}
