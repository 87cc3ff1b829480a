import { trace, type MeterOptions, type Tracer } from '@opentelemetry/api';
import { SCHEMA_URL } from '../semconv.ts';
import { VERSION } from '../version.ts';

/**
 * Options every Runproof tracer and meter is created with: the schema URL of the semantic
 * conventions its names follow (`SCHEMA_URL`), so a backend or a Collector's schema processor knows
 * which version it reads. Adapters pass the same options to their own tracers and meters.
 *
 * @example
 * const tracer = provider.getTracer('@runproof/openai-adapter', VERSION, SCOPE_OPTIONS);
 */
export const SCOPE_OPTIONS: Readonly<MeterOptions> = Object.freeze({ schemaUrl: SCHEMA_URL });

/**
 * The tracer of `@runproof/core` (runs, steps, checkpoints, `tool()`), from the global tracer
 * provider in force, with {@link SCOPE_OPTIONS}.
 *
 * @example
 * const span = coreTracer().startSpan('step classify');
 */
export function coreTracer(): Tracer {
  return trace.getTracerProvider().getTracer('@runproof/core', VERSION, SCOPE_OPTIONS);
}
