/**
 * What the benchmark compares. A configuration is an instrumentation setup; an instance is a
 * configuration on one `openai` major, run in its own child process so patches never mix.
 */

/** The `openai` majors the bench installs: 7 as `openai`, 6 as the alias `openai-v6`. */
export type OpenAIMajor = 6 | 7;

export type ConfigurationId =
  | 'baseline'
  | 'floor'
  | 'floor-same'
  | 'runproof-loaded'
  | 'runproof'
  | 'runproof-policy'
  | 'otel'
  | 'traceloop'
  | 'openinference';

export interface Configuration {
  id: ConfigurationId;
  /** How the table names it. */
  label: string;
  /** A peer instrumentation: probed on `openai` 7 first and moved to 6 when it produces no spans there. */
  peer: boolean;
  /** Only measured when asked for with `--configurations`. */
  diagnostic?: boolean;
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { id: 'baseline', label: 'no instrumentation', peer: false },
  { id: 'floor', label: 'hand-written span', peer: false },
  // The hand-written span carrying what Runproof's chat span carries (same attributes, same metrics,
  // one run span per unit): what the information alone costs with this exporter.
  { id: 'floor-same', label: "hand-written span, Runproof's attributes", peer: false },
  // Diagnostic: Runproof's packages imported but nothing enabled — what their heap footprint alone costs.
  { id: 'runproof-loaded', label: 'Runproof imported, not enabled', peer: false, diagnostic: true },
  { id: 'runproof', label: 'Runproof', peer: false },
  { id: 'runproof-policy', label: 'Runproof + policy', peer: false },
  { id: 'otel', label: '@opentelemetry/instrumentation-openai', peer: true },
  { id: 'traceloop', label: '@traceloop/instrumentation-openai', peer: true },
  { id: 'openinference', label: '@arizeai/openinference-instrumentation-openai', peer: true },
];

export interface Instance {
  configuration: Configuration;
  openai: OpenAIMajor;
}

/** `runproof@7`: how instances are named in flags, logs and the JSON report. */
export function instanceKey(instance: Instance): string {
  return `${instance.configuration.id}@${instance.openai}`;
}

export function findConfiguration(id: string): Configuration {
  const found = CONFIGURATIONS.find((configuration) => configuration.id === id);
  if (found === undefined)
    throw new Error(
      `unknown configuration "${id}"; expected one of ${CONFIGURATIONS.map((entry) => entry.id).join(', ')}`,
    );
  return found;
}
