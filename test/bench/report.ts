/** Turns the rounds' measurements into rows, verdicts and Markdown tables. */
import type { Instance } from './configurations.ts';
import { instanceKey } from './configurations.ts';
import type { Workload } from './workloads.ts';

/** One instance on one workload, over every round. */
export interface Measurement {
  /** CPU microseconds per call, one entry per round. */
  cpuPerCall: number[];
  /** Calls per second, one entry per round. */
  throughput: number[];
  latencies: number[];
  calls: number;
  spans: number;
  bytes: number;
}

export function emptyMeasurement(): Measurement {
  return { cpuPerCall: [], throughput: [], latencies: [], calls: 0, spans: 0, bytes: 0 };
}

export interface Row {
  key: string;
  label: string;
  openaiVersion: string;
  spansPerCall: number;
  bytesPerSpan: number;
  cpuPerCall: number;
  /** CPU µs per call in each round (in the JSON report, for diagnosis). */
  cpuPerRound: number[];
  /** Median over rounds of (this − the same round's baseline on the same `openai` major). */
  addedCpu: number | undefined;
  /** Interquartile range of the per-round added CPU: how far to trust `addedCpu`. */
  addedCpuRange: [number, number] | undefined;
  /** `addedCpu` over the hand-written span's. */
  floorRatio: number | undefined;
  throughput: number;
  p50: number;
  p99: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Linear-interpolated quantile, for the spread of a handful of rounds. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Nearest-rank percentile, for latencies. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export interface RowInput {
  instance: Instance;
  openaiVersion: string;
  measurement: Measurement;
  /** The uninstrumented run on the same `openai` major. */
  baseline: Measurement | undefined;
  /** The hand-written span's added CPU on this workload. */
  floorAdded: number | undefined;
}

export function toRow({ instance, openaiVersion, measurement, baseline, floorAdded }: RowInput): Row {
  const isBaseline = instance.configuration.id === 'baseline';
  let addedCpu: number | undefined;
  let addedCpuRange: [number, number] | undefined;
  if (!isBaseline && baseline !== undefined) {
    const added = measurement.cpuPerCall.map((value, round) => value - (baseline.cpuPerCall[round] ?? Number.NaN));
    addedCpu = median(added);
    addedCpuRange = [quantile(added, 0.25), quantile(added, 0.75)];
  }
  return {
    key: instanceKey(instance),
    label: instance.configuration.label,
    openaiVersion,
    spansPerCall: measurement.spans / measurement.calls,
    bytesPerSpan: measurement.spans === 0 ? Number.NaN : measurement.bytes / measurement.spans,
    cpuPerCall: median(measurement.cpuPerCall),
    cpuPerRound: measurement.cpuPerCall.map((value) => Math.round(value * 10) / 10),
    addedCpu,
    addedCpuRange,
    floorRatio:
      addedCpu !== undefined && floorAdded !== undefined && floorAdded > 0 ? addedCpu / floorAdded : undefined,
    throughput: median(measurement.throughput),
    p50: percentile(measurement.latencies, 0.5),
    p99: percentile(measurement.latencies, 0.99),
  };
}

export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

/** `median (lower quartile…upper quartile)`. */
export function withRange(value: number | undefined, range: [number, number] | undefined, digits = 0): string {
  return value === undefined
    ? '–'
    : `${fixed(value, digits)} (${fixed(range?.[0], digits)}…${fixed(range?.[1], digits)})`;
}

/** In-process tables: CPU is the point; wall time is CPU here, so no latency columns. */
const CPU_HEADERS = [
  'configuration',
  'openai',
  'spans/call',
  'bytes/span',
  'CPU µs/call',
  'added CPU µs/call (IQR)',
  'added ÷ hand-written',
];
/** End-to-end tables: latency and throughput against the simulator; CPU for reference, noisy. */
const END_TO_END_HEADERS = [
  'configuration',
  'openai',
  'spans/call',
  'calls/s',
  'p50 ms',
  'p99 ms',
  'CPU µs/call',
  'added CPU µs/call (IQR)',
];

export function formatWorkloadTable(workload: Workload, rows: readonly Row[], kind: 'cpu' | 'end-to-end'): string {
  const spans = (row: Row): string => (row.spansPerCall === 0 ? '**0 spans**' : fixed(row.spansPerCall, 2));
  const body = rows.map((row) =>
    kind === 'cpu'
      ? [
          row.label,
          row.openaiVersion,
          spans(row),
          fixed(row.bytesPerSpan, 0),
          fixed(row.cpuPerCall, 0),
          withRange(row.addedCpu, row.addedCpuRange),
          row.floorRatio === undefined ? '–' : `${row.floorRatio.toFixed(2)}×`,
        ]
      : [
          row.label,
          row.openaiVersion,
          spans(row),
          fixed(row.throughput, 0),
          fixed(row.p50, 2),
          fixed(row.p99, 2),
          fixed(row.cpuPerCall, 0),
          withRange(row.addedCpu, row.addedCpuRange),
        ],
  );
  return `#### ${workload.label}\n\n${markdownTable(kind === 'cpu' ? CPU_HEADERS : END_TO_END_HEADERS, body)}`;
}

export interface HeapRow {
  label: string;
  openaiVersion: string;
  growthBytes: number;
}

export function formatHeapTable(rows: readonly HeapRow[]): string {
  return `#### Heap growth over the measured rounds (after a full GC, per process)\n\n${markdownTable(
    ['configuration', 'openai', 'heap growth MB'],
    rows.map((row) => [row.label, row.openaiVersion, (row.growthBytes / 1_048_576).toFixed(2)]),
  )}`;
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
