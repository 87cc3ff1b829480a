import { readJaegerTraces } from './jaeger-json.ts';
import { readOtlpDocument } from './otlp-json.ts';
import type { TraceSpan } from './trace-span.ts';

/**
 * Reads every span of a trace file: OTLP JSON (the `file` exporter's, a Collector file exporter's,
 * one document or one a line), Jaeger's `/api/v3/traces` response (OTLP-shaped, ids hex or base64)
 * and Jaeger's classic `/api/traces` JSON (what the Jaeger UI downloads). Throws naming the file
 * when it is none of these.
 *
 * @example
 * const spans = readTraceFile(readFileSync('traces.json', 'utf8'), 'traces.json');
 */
export function readTraceFile(text: string, source: string): TraceSpan[] {
  const documents = parseDocuments(text, source);
  const spans: TraceSpan[] = [];
  for (const document of documents) {
    const spansOfDocument = readDocument(document, source);
    if (spansOfDocument === undefined) throw new Error(`${source} is neither OTLP JSON nor Jaeger API JSON`);
    spans.push(...spansOfDocument);
  }
  return spans;
}

function parseDocuments(text: string, source: string): unknown[] {
  try {
    return [JSON.parse(text) as unknown];
  } catch (error) {
    // JSON lines: a Collector file exporter writes one document a line.
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    try {
      return lines.map((line) => JSON.parse(line) as unknown);
    } catch {
      throw new Error(`${source} is not JSON (${(error as Error).message})`);
    }
  }
}

function readDocument(document: unknown, source: string): TraceSpan[] | undefined {
  if (Array.isArray(document)) return document.flatMap((item) => readDocument(item, source) ?? []);
  if (typeof document !== 'object' || document === null) return undefined;
  const record = document as Record<string, unknown>;
  if (Array.isArray(record.resourceSpans)) return readOtlpDocument(record, source);
  // Jaeger's /api/v3 responses wrap the OTLP document in `result`.
  if (typeof record.result === 'object' && record.result !== null) return readDocument(record.result, source);
  if (Array.isArray(record.data) || Array.isArray(record.spans)) return readJaegerTraces(record, source);
  return undefined;
}
