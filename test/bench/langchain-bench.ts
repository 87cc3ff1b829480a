/**
 * The LangChain benchmark: the agent of `langchain-agent.ts` with no instrumentation, with
 * Runproof and with OpenInference's LangChain instrumentation, each in its own process, canned
 * responses, interleaved rounds. Reports added CPU per agent step.
 */
import { fileURLToPath } from 'node:url';
import type { AgentResponses } from './langchain-agent.ts';
import { STEPS_PER_INVOCATION } from './langchain-agent.ts';
import type { LangChainConfigurationId, LangChainRequest, LangChainResponse } from './langchain-child.ts';
import { BenchProcess } from './processes.ts';
import { fixed, markdownTable, median, quantile, withRange } from './report.ts';

const LANGCHAIN_CHILD = fileURLToPath(new URL('./langchain-child.ts', import.meta.url));

export const LANGCHAIN_CONFIGURATIONS: readonly { id: LangChainConfigurationId; label: string }[] = [
  { id: 'baseline', label: 'no instrumentation' },
  { id: 'runproof', label: 'Runproof (LangChain + OpenAI adapters)' },
  { id: 'openinference', label: '@arizeai/openinference-instrumentation-langchain' },
];

export interface LangChainBenchOptions {
  responses: AgentResponses;
  rounds: number;
  /** Agent invocations per configuration and round. */
  invocations: number;
  warmup: number;
  probeInvocations: number;
  content: boolean;
  nodeFlags: string[];
  log: (message: string) => void;
}

export interface LangChainRow {
  id: LangChainConfigurationId;
  label: string;
  spansPerStep: number;
  bytesPerSpan: number;
  cpuPerInvocation: number;
  /** Median over rounds of (this − the same round's baseline) ÷ steps. */
  addedPerStep: number | undefined;
  addedPerStepRange: [number, number] | undefined;
  /** Span names and how many of each per invocation, from the probe. */
  spanNames: Record<string, number>;
}

export async function runLangChainBench(options: LangChainBenchOptions): Promise<LangChainRow[]> {
  const { log } = options;
  const processes = LANGCHAIN_CONFIGURATIONS.map(({ id }) => {
    const args = ['--configuration', id, '--responses', JSON.stringify(options.responses)];
    if (options.content) args.push('--content');
    return new BenchProcess<{ request: LangChainRequest; response: LangChainResponse }>(
      `langchain/${id}`,
      LANGCHAIN_CHILD,
      args,
      options.nodeFlags,
    );
  });
  try {
    await Promise.all(processes.map((child) => child.waitUntilReady()));
    const probes: Extract<LangChainResponse, { type: 'probe' }>[] = [];
    for (const child of processes) {
      const probe = await child.request({ type: 'probe', invocations: options.probeInvocations }, 'probe');
      log(`${child.name}: ${probe.spansPerInvocation} spans per invocation ${JSON.stringify(probe.spanNames)}`);
      probes.push(probe);
      await child.request({ type: 'batch', invocations: options.warmup }, 'batch');
    }
    const cpuPerInvocation: number[][] = processes.map(() => []);
    const totals = processes.map(() => ({ invocations: 0, spans: 0, bytes: 0 }));
    for (let round = 0; round < options.rounds; round += 1) {
      log(`langchain round ${round + 1}/${options.rounds}`);
      for (let index = 0; index < processes.length; index += 1) {
        const slot = (index + round) % processes.length;
        const batch = await processes[slot]!.request({ type: 'batch', invocations: options.invocations }, 'batch');
        cpuPerInvocation[slot]![round] = batch.cpuMicros / options.invocations;
        totals[slot]!.invocations += options.invocations;
        totals[slot]!.spans += batch.spans;
        totals[slot]!.bytes += batch.bytes;
      }
    }
    const baseline = cpuPerInvocation[0]!;
    return LANGCHAIN_CONFIGURATIONS.map(({ id, label }, index) => {
      const added =
        id === 'baseline'
          ? undefined
          : cpuPerInvocation[index]!.map((value, round) => (value - baseline[round]!) / STEPS_PER_INVOCATION);
      const total = totals[index]!;
      return {
        id,
        label,
        spansPerStep: total.spans / total.invocations / STEPS_PER_INVOCATION,
        bytesPerSpan: total.spans === 0 ? Number.NaN : total.bytes / total.spans,
        cpuPerInvocation: median(cpuPerInvocation[index]!),
        addedPerStep: added === undefined ? undefined : median(added),
        addedPerStepRange: added === undefined ? undefined : [quantile(added, 0.25), quantile(added, 0.75)],
        spanNames: probes[index]!.spanNames,
      };
    });
  } finally {
    await Promise.all(processes.map((child) => child.stop()));
  }
}

export function formatLangChainTable(rows: readonly LangChainRow[]): string {
  const headers = ['configuration', 'spans/step', 'bytes/span', 'CPU µs/invocation', 'added CPU µs/step (IQR)'];
  const body = rows.map((row) => [
    row.label,
    row.spansPerStep === 0 ? '**0 spans**' : fixed(row.spansPerStep, 2),
    fixed(row.bytesPerSpan, 0),
    fixed(row.cpuPerInvocation, 0),
    withRange(row.addedPerStep, row.addedPerStepRange),
  ]);
  const spans = rows
    .filter((row) => row.id !== 'baseline')
    .map(
      (row) =>
        `- ${row.label}, spans per invocation: ${
          Object.entries(row.spanNames)
            .map(([name, count]) => `\`${name}\` × ${fixed(count, count % 1 === 0 ? 0 : 2)}`)
            .join(', ') || 'none'
        }`,
    );
  const ours = rows.find((row) => row.id === 'runproof')?.addedPerStep;
  const theirs = rows.find((row) => row.id === 'openinference')?.addedPerStep;
  const verdict =
    ours === undefined || theirs === undefined
      ? []
      : [
          `- Runproof adds ${fixed(ours, 0)} µs per step, OpenInference ${fixed(theirs, 0)} µs → Runproof is **${ours < theirs ? 'cheaper' : 'not cheaper'}** (${fixed(ours / theirs, 2)}×).`,
        ];
  return [markdownTable(headers, body), '', ...verdict, ...spans].join('\n');
}
