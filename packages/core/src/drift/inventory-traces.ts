import type { RunManifest } from '../identity/manifest.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  ATTR_RUNPROOF_DRIFT_BASELINE,
  ATTR_RUNPROOF_DRIFT_FIELDS_ADDED,
  ATTR_RUNPROOF_DRIFT_FIELDS_REMOVED,
  ATTR_RUNPROOF_DRIFT_KIND,
  ATTR_RUNPROOF_DRIFT_OBSERVED,
  ATTR_RUNPROOF_MANIFEST,
  ATTR_RUNPROOF_OUTPUT_SHAPE,
  ATTR_RUNPROOF_RUN_ID,
  ATTR_RUNPROOF_RUN_NAME,
  ATTR_RUNPROOF_STEP_NAME,
  ATTR_RUNPROOF_VALIDATION_CHECKPOINT,
  ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST,
  DRIFT_KIND_VALUE_INPUT_SHAPE,
  DRIFT_KIND_VALUE_OUTPUT_SHAPE,
  DRIFT_KIND_VALUE_RESOLVED_MODEL,
  DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT,
  EVENT_RUNPROOF_DRIFT,
  EVENT_RUNPROOF_RUN_MANIFEST,
  GEN_AI_OPERATION_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW,
  SPAN_NAME_PREFIX_STEP,
} from '../semconv.ts';
import {
  changesOf,
  InventoryBuilder,
  note,
  sight,
  type Inventory,
  type InventoryChange,
  type Place,
} from './inventory.ts';

/** A span as a trace file holds it (OTLP JSON or Jaeger's JSON, read into one shape). */
export interface InventorySpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  /** The service name of the process that made it. */
  service: string | null;
  /** Microseconds since the epoch. */
  startMicros: number;
}

/** The workflow of calls made outside any run. */
export const OUTSIDE_RUNS = '(outside runs)';

/**
 * The inventory of trace files: for each workflow (run name) and step, the model calls by provider,
 * operation and requested model with the resolved models, system fingerprints and output shapes
 * seen (first and last sighting, count), the instrumented library, adapter, tool-definition and
 * response-schema digests the runs' manifests declared; the tools run and the checkpoints passed.
 * Changes: a value that followed another (a new snapshot, backend, output structure), and every
 * drift the spans reported (input structures included), from `since` (epoch ms) on.
 *
 * @example
 * const inventory = inventoryOfSpans(readTraceFile(text, 'traces.json'), Date.now() - 7 * 86_400_000);
 */
export function inventoryOfSpans(all: readonly InventorySpan[], since: number | null): Inventory {
  const spans = since === null ? all : all.filter((span) => span.startMicros / 1000 >= since);
  // Parents are looked up among all spans: a call in the window belongs to its run and step even
  // when they started before it.
  const byId = new Map(all.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const runNames = new Map<string, string>();
  for (const span of all)
    if (isRun(span))
      runNames.set(String(span.attributes[ATTR_RUNPROOF_RUN_ID]), text(span.attributes[ATTR_RUNPROOF_RUN_NAME]));
  const builder = new InventoryBuilder();
  const changes: InventoryChange[] = [];

  const placeOf = (span: InventorySpan): Place => {
    const steps: string[] = [];
    let workflow: string | undefined;
    for (let current = parentOf(span); current !== undefined && workflow === undefined; current = parentOf(current)) {
      if (isRun(current)) workflow = text(current.attributes[ATTR_RUNPROOF_RUN_NAME]);
      else if (
        current.name.startsWith(`${SPAN_NAME_PREFIX_STEP} `) &&
        current.attributes[ATTR_RUNPROOF_STEP_NAME] !== undefined
      )
        steps.unshift(text(current.attributes[ATTR_RUNPROOF_STEP_NAME]));
    }
    workflow ??= runNames.get(String(span.attributes[ATTR_RUNPROOF_RUN_ID])) ?? OUTSIDE_RUNS;
    return { workflow, step: steps.join('/') };
  };
  function parentOf(span: InventorySpan): InventorySpan | undefined {
    return span.parentSpanId === null ? undefined : byId.get(`${span.traceId}/${span.parentSpanId}`);
  }

  for (const span of spans) {
    const at = Math.floor(span.startMicros / 1000);
    const operation = span.attributes[ATTR_GEN_AI_OPERATION_NAME];
    if (isRun(span)) {
      const workflow = builder.workflow(text(span.attributes[ATTR_RUNPROOF_RUN_NAME]));
      workflow.runs += 1;
      note(workflow.services, span.service);
      for (const manifest of manifestsOf(span)) declare(builder, workflow.workflow, manifest);
    } else if (operation === GEN_AI_OPERATION_VALUE_EXECUTE_TOOL) {
      const tool = builder.tool(placeOf(span), text(span.attributes[ATTR_GEN_AI_TOOL_NAME], span.name));
      tool.count += 1;
      note(tool.schemaDigests, span.attributes[ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST]);
    } else if (typeof span.attributes[ATTR_GEN_AI_REQUEST_MODEL] === 'string' && typeof operation === 'string') {
      const place = placeOf(span);
      note(builder.workflow(place.workflow).services, span.service);
      const call = builder.call(
        place,
        text(span.attributes[ATTR_GEN_AI_PROVIDER_NAME]),
        operation,
        String(span.attributes[ATTR_GEN_AI_REQUEST_MODEL]),
      );
      for (const [list, attribute] of [
        [call.resolvedModels, ATTR_GEN_AI_RESPONSE_MODEL],
        [call.systemFingerprints, ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT],
        [call.outputShapes, ATTR_RUNPROOF_OUTPUT_SHAPE],
      ] as const) {
        const value = span.attributes[attribute];
        if (typeof value === 'string' && value !== '') sight(list, value, at);
      }
    } else if (typeof span.attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT] === 'string') {
      const input = builder.input(
        placeOf(span),
        'checkpoint',
        String(span.attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT]),
        stringOr(span.attributes[ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST]),
      );
      for (const shape of driftOf(span, DRIFT_KIND_VALUE_INPUT_SHAPE)) sight(input.shapes, shape.observed, at);
    } else if (span.attributes[ATTR_RUNPROOF_STEP_NAME] !== undefined) {
      // A step is listed in its place; its declared input only when it drifted (spans carry no input shape).
      const place = placeOf(span);
      const own = {
        workflow: place.workflow,
        step: [place.step, text(span.attributes[ATTR_RUNPROOF_STEP_NAME])].filter((part) => part !== '').join('/'),
      };
      builder.step(own);
      const drifted = driftOf(span, DRIFT_KIND_VALUE_INPUT_SHAPE);
      if (drifted.length > 0) {
        const input = builder.input(own, 'step', own.step, undefined);
        for (const shape of drifted) sight(input.shapes, shape.observed, at);
      }
    }
    for (const drift of driftOf(span)) changes.push(driftChange(span, placeOf(span), at, drift));
  }

  const inventory = builder.build('traces', since, []);
  for (const workflow of inventory.workflows) {
    for (const step of workflow.steps) {
      for (const call of step.calls) {
        const base = {
          workflow: workflow.workflow,
          step: step.step,
          subject: `${call.operation} ${call.requestedModel}`,
        };
        changes.push(...changesOf(call.resolvedModels, since, { ...base, kind: DRIFT_KIND_VALUE_RESOLVED_MODEL }));
        changes.push(
          ...changesOf(call.systemFingerprints, since, { ...base, kind: DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT }),
        );
      }
    }
  }
  inventory.changes = earliestOfEach(changes);
  return inventory;
}

function isRun(span: InventorySpan): boolean {
  return (
    span.attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW &&
    span.attributes[ATTR_RUNPROOF_RUN_ID] !== undefined
  );
}

/** An attribute as text: strings as they are, numbers and booleans written out, anything else `fallback`. */
function text(value: unknown, fallback = ''): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : fallback;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function manifestsOf(span: InventorySpan): RunManifest[] {
  const manifests: RunManifest[] = [];
  for (const event of span.events) {
    if (event.name !== EVENT_RUNPROOF_RUN_MANIFEST || typeof event.attributes[ATTR_RUNPROOF_MANIFEST] !== 'string')
      continue;
    try {
      manifests.push(JSON.parse(event.attributes[ATTR_RUNPROOF_MANIFEST]) as RunManifest);
    } catch {
      // A manifest cut at its size cap is not JSON: the spans still say what was called.
    }
  }
  return manifests;
}

/** What a run's manifest declared: versions, and each call's library, adapter and digests. */
function declare(builder: InventoryBuilder, workflow: string, manifest: RunManifest): void {
  const entry = builder.workflow(workflow);
  note(entry.runproofVersions, manifest.declared?.runproof);
  note(entry.codeVersions, manifest.declared?.code?.version);
  for (const declared of manifest.declared?.calls ?? []) {
    if (declared.operation === GEN_AI_OPERATION_VALUE_EXECUTE_TOOL || declared.target === undefined) continue;
    const call = builder.call(
      { workflow, step: declared.step ?? '' },
      declared.provider,
      declared.operation,
      declared.target,
    );
    note(call.libraries, declared.library);
    note(call.adapters, declared.adapter);
    note(call.toolsDigests, declared.toolsDigest);
    note(call.schemaDigests, declared.schemaDigest);
  }
}

interface DriftSeen {
  kind: string;
  baseline: string;
  observed: string;
  added: string[] | undefined;
  removed: string[] | undefined;
}

function driftOf(span: InventorySpan, kind?: string): DriftSeen[] {
  return span.events
    .filter(
      (event) =>
        event.name === EVENT_RUNPROOF_DRIFT &&
        (kind === undefined || event.attributes[ATTR_RUNPROOF_DRIFT_KIND] === kind),
    )
    .map((event) => ({
      kind: text(event.attributes[ATTR_RUNPROOF_DRIFT_KIND]),
      baseline: text(event.attributes[ATTR_RUNPROOF_DRIFT_BASELINE]),
      observed: text(event.attributes[ATTR_RUNPROOF_DRIFT_OBSERVED]),
      added: listOf(event.attributes[ATTR_RUNPROOF_DRIFT_FIELDS_ADDED]),
      removed: listOf(event.attributes[ATTR_RUNPROOF_DRIFT_FIELDS_REMOVED]),
    }));
}

/** A string array attribute; Jaeger's JSON carries arrays as JSON text. */
function listOf(value: unknown): string[] | undefined {
  if (typeof value === 'string' && value.startsWith('[')) {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(value) ? value.map(String) : undefined;
}

function driftChange(span: InventorySpan, place: Place, at: number, drift: DriftSeen): InventoryChange {
  const checkpoint = span.attributes[ATTR_RUNPROOF_VALIDATION_CHECKPOINT];
  const model = span.attributes[ATTR_GEN_AI_REQUEST_MODEL];
  const subject =
    typeof model === 'string'
      ? `${String(span.attributes[ATTR_GEN_AI_OPERATION_NAME])} ${model}`
      : typeof checkpoint === 'string'
        ? `checkpoint ${checkpoint}`
        : span.attributes[ATTR_RUNPROOF_STEP_NAME] !== undefined
          ? `step ${text(span.attributes[ATTR_RUNPROOF_STEP_NAME])}`
          : span.name;
  // A step's own input drift belongs to the step, not to the one around it.
  const step = subject.startsWith('step ')
    ? [place.step, text(span.attributes[ATTR_RUNPROOF_STEP_NAME])].filter((part) => part !== '').join('/')
    : place.step;
  const change: InventoryChange = {
    at,
    workflow: place.workflow,
    step,
    subject,
    kind: drift.kind === '' ? DRIFT_KIND_VALUE_OUTPUT_SHAPE : drift.kind,
    from: drift.baseline,
    to: drift.observed,
  };
  if (drift.added !== undefined) change.fieldsAdded = drift.added;
  if (drift.removed !== undefined) change.fieldsRemoved = drift.removed;
  return change;
}

/** One change per workflow, step, subject, kind and pair of values: the earliest, with the fields it names. */
function earliestOfEach(changes: InventoryChange[]): InventoryChange[] {
  const kept = new Map<string, InventoryChange>();
  for (const change of changes) {
    const key = [change.workflow, change.step, change.subject, change.kind, change.from, change.to].join('\n');
    const found = kept.get(key);
    if (found === undefined || change.at < found.at)
      kept.set(key, {
        ...change,
        ...(found?.fieldsAdded === undefined
          ? {}
          : { fieldsAdded: found.fieldsAdded, fieldsRemoved: found.fieldsRemoved }),
        ...(change.fieldsAdded === undefined
          ? {}
          : { fieldsAdded: change.fieldsAdded, fieldsRemoved: change.fieldsRemoved }),
      });
  }
  return [...kept.values()].sort((a, b) => a.at - b.at);
}
