import type { RunManifest } from './manifest.ts';
import { ATTR_RUNPROOF_MANIFEST, EVENT_RUNPROOF_RUN_MANIFEST } from '../semconv.ts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpDocument {
  resourceSpans?: { scopeSpans?: { spans?: { events?: { name: string; attributes?: OtlpAttribute[] }[] }[] }[] }[];
}

/**
 * Every run manifest recorded in an OTLP JSON document (what the `file` exporter writes, or a
 * Collector / Jaeger OTLP export), in document order; or the document itself when it is a manifest.
 *
 * @example
 * const manifests = readManifests(readFileSync('runproof-traces.json', 'utf8'));
 */
export function readManifests(text: string): RunManifest[] {
  const parsed = JSON.parse(text) as OtlpDocument & Partial<RunManifest>;
  if (parsed.manifestVersion !== undefined) return [parsed as RunManifest];
  const manifests: RunManifest[] = [];
  for (const resourceSpans of parsed.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        for (const event of span.events ?? []) {
          if (event.name !== EVENT_RUNPROOF_RUN_MANIFEST) continue;
          const json = event.attributes?.find((attribute) => attribute.key === ATTR_RUNPROOF_MANIFEST)?.value
            .stringValue;
          if (json !== undefined) manifests.push(JSON.parse(json) as RunManifest);
        }
      }
    }
  }
  return manifests;
}
