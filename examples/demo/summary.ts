/** Reads an OTLP JSON trace file and prints each run as a tree of spans with its key attributes. */
import type { RunManifest } from '@runproof/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_RUNPROOF_BOUNDARY_DECISION,
  ATTR_RUNPROOF_CALL_ATTEMPTS,
  ATTR_RUNPROOF_DRIFT_DETECTED,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_RUN_ATTEMPT,
  ATTR_RUNPROOF_RUN_CONTINUATION,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_OUTCOME,
  ATTR_RUNPROOF_STEP_REPLAYED,
  ATTR_RUNPROOF_VALIDATION_OUTCOME,
  EVENT_RUNPROOF_RUN_MANIFEST,
} from '@runproof/core/semconv';

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
/** An OTLP attribute value once decoded: what an exported span attribute can hold. */
type AttributeValue = string | number | boolean | AttributeValue[] | undefined;
interface OtlpSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  attributes?: { key: string; value: AnyValue }[];
  events?: { name: string; attributes?: { key: string; value: AnyValue }[] }[];
}

export interface SpanNode {
  name: string;
  attributes: Record<string, AttributeValue>;
  start: bigint;
  children: SpanNode[];
}

export interface RunSummary {
  runId: string;
  root: SpanNode;
  manifest: RunManifest | undefined;
}

function toValue(value: AnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(toValue);
  return undefined;
}

const toMap = (attributes: OtlpSpan['attributes'] = []) =>
  Object.fromEntries(attributes.map((attribute) => [attribute.key, toValue(attribute.value)]));

/** The runs in an OTLP JSON document, in start order, each with its span tree and manifest. */
export function readTraceFile(text: string): RunSummary[] {
  const document = JSON.parse(text) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
  const spans = (document.resourceSpans ?? []).flatMap((resource) =>
    (resource.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []),
  );
  const nodes = new Map<string, SpanNode>(
    spans.map((span) => [
      span.spanId,
      { name: span.name, attributes: toMap(span.attributes), start: BigInt(span.startTimeUnixNano), children: [] },
    ]),
  );
  const runs: RunSummary[] = [];
  for (const span of spans) {
    const node = nodes.get(span.spanId)!;
    const parent = span.parentSpanId ? nodes.get(span.parentSpanId) : undefined;
    if (parent) parent.children.push(node);
    else if (typeof node.attributes[ATTR_RUNPROOF_RUN_ID] === 'string') {
      const event = span.events?.find((candidate) => candidate.name === EVENT_RUNPROOF_RUN_MANIFEST);
      const json = event === undefined ? undefined : toMap(event.attributes)[ATTR_RUNPROOF_MANIFEST];
      runs.push({
        runId: node.attributes[ATTR_RUNPROOF_RUN_ID],
        root: node,
        manifest: typeof json === 'string' ? (JSON.parse(json) as RunManifest) : undefined,
      });
    }
  }
  for (const node of nodes.values()) node.children.sort((a, b) => (a.start < b.start ? -1 : 1));
  return runs.sort((a, b) => (a.root.start < b.root.start ? -1 : 1));
}

function describe(node: SpanNode): string {
  const attributes = node.attributes;
  const details: string[] = [];
  if (attributes[ATTR_GEN_AI_RESPONSE_MODEL] !== undefined)
    details.push(String(attributes[ATTR_GEN_AI_RESPONSE_MODEL]));
  if (attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] !== undefined)
    details.push(
      `${String(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS])}→${String(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS])} tokens`,
    );
  if (Array.isArray(attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS]))
    details.push(`finish ${(attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] as string[]).join(',')}`);
  if (attributes[ATTR_RUNPROOF_CALL_ATTEMPTS] !== undefined)
    details.push(`attempts ${String(attributes[ATTR_RUNPROOF_CALL_ATTEMPTS])}`);
  if (attributes[ATTR_RUNPROOF_BOUNDARY_DECISION] !== undefined)
    details.push(`boundary ${String(attributes[ATTR_RUNPROOF_BOUNDARY_DECISION])}`);
  if (attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME] !== undefined)
    details.push(`validation ${String(attributes[ATTR_RUNPROOF_VALIDATION_OUTCOME])}`);
  if (attributes[ATTR_RUNPROOF_DRIFT_DETECTED] === true) details.push('DRIFT');
  if (attributes[ATTR_RUNPROOF_STEP_REPLAYED] === true) details.push('replayed from the journal');
  if (attributes[ATTR_ERROR_TYPE] !== undefined) details.push(`error ${String(attributes[ATTR_ERROR_TYPE])}`);
  return details.length === 0 ? node.name : `${node.name}  [${details.join(', ')}]`;
}

function formatTree(node: SpanNode, prefix: string, isLast: boolean, isRoot: boolean): string[] {
  const line = isRoot ? `    ${describe(node)}` : `    ${prefix}${isLast ? '└─ ' : '├─ '}${describe(node)}`;
  const childPrefix = isRoot ? '' : `${prefix}${isLast ? '   ' : '│  '}`;
  return [
    line,
    ...node.children.flatMap((child, index) =>
      formatTree(child, childPrefix, index === node.children.length - 1, false),
    ),
  ];
}

/** A readable block per run: id, outcome, fingerprint, observed digest and the span tree. */
export function formatRuns(runs: RunSummary[], title: string): string {
  const lines = [`\n${title}: ${runs.length} run${runs.length === 1 ? '' : 's'}`];
  for (const run of runs) {
    const outcome = run.root.attributes[ATTR_RUNPROOF_RUN_OUTCOME];
    const attempt = run.root.attributes[ATTR_RUNPROOF_RUN_ATTEMPT];
    const continued =
      attempt === 1
        ? ''
        : `  attempt ${String(attempt)} (${String(run.root.attributes[ATTR_RUNPROOF_RUN_CONTINUATION])})`;
    lines.push(
      `  run ${run.runId}${continued}  ${String(outcome)}  fingerprint ${run.manifest?.fingerprint.slice(0, 12)}…  observed ${run.manifest?.observedDigest.slice(0, 12)}…`,
    );
    lines.push(...formatTree(run.root, '', true, true));
  }
  return `${lines.join('\n')}\n`;
}
