/** One value seen for a call, a checkpoint or a step, over the window. Times in epoch milliseconds. */
export interface InventoryValue {
  value: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  /** From the store: whether this value is the fleet's baseline. */
  baseline?: boolean;
  /** From the store: a shape's structure (JSON). */
  detail?: string;
}

/** A model call of a step, by provider, operation and requested model. */
export interface InventoryCall {
  provider: string;
  operation: string;
  requestedModel: string;
  resolvedModels: InventoryValue[];
  systemFingerprints: InventoryValue[];
  outputShapes: InventoryValue[];
  /** The instrumented libraries and adapters, e.g. `openai@7.57.0`, `@runproof/openai-adapter@0.1.0`. */
  libraries: string[];
  adapters: string[];
  /** Digests of the tool definitions offered to the model, and of its response schemas. */
  toolsDigests: string[];
  schemaDigests: string[];
}

/** A tool a step ran, with the digests of its arguments schema. */
export interface InventoryTool {
  name: string;
  schemaDigests: string[];
  count: number;
}

/** What a checkpoint or a step received, by the digest of its structure. */
export interface InventoryInput {
  on: 'checkpoint' | 'step';
  name: string;
  schemaDigest?: string;
  shapes: InventoryValue[];
}

export interface InventoryStep {
  /** The step path, e.g. `extract`, `extract/ocr`; `''` for what the run did outside any step. */
  step: string;
  calls: InventoryCall[];
  tools: InventoryTool[];
  inputs: InventoryInput[];
}

export interface InventoryWorkflow {
  /** The run name; `(outside runs)` for calls made outside any run. */
  workflow: string;
  services: string[];
  /** Runproof versions and code versions the runs declared. */
  runproofVersions: string[];
  codeVersions: string[];
  /** Runs seen (traces only). */
  runs: number;
  steps: InventoryStep[];
}

/** A value that replaced another in the window: a new snapshot, backend, output or input structure. */
export interface InventoryChange {
  /** When the new value was first seen. */
  at: number;
  workflow: string;
  step: string;
  /** What changed: `chat gpt-4o-mini`, `checkpoint crm.customer`, `step enrich`. */
  subject: string;
  /** A drift kind: `resolved_model`, `system_fingerprint`, `output_shape`, `input_shape`. */
  kind: string;
  from: string;
  to: string;
  /** For input shapes whose structures are known: the fields gained and lost. */
  fieldsAdded?: string[];
  fieldsRemoved?: string[];
  /** From the store: whether the new value is now the baseline (`moved`) or not yet (`not yet`). */
  baseline?: 'moved' | 'not yet';
}

/** What `runproof inventory` reports. */
export interface Inventory {
  /** `traces` (OTLP JSON or Jaeger JSON files) or `store`. */
  source: 'traces' | 'store';
  /** The window: from `--since` (or the earliest sighting) to the latest sighting; epoch ms, null when empty. */
  from: number | null;
  to: number | null;
  workflows: InventoryWorkflow[];
  changes: InventoryChange[];
}

/** Where a call, a tool or an input sits: its workflow and step. */
export interface Place {
  workflow: string;
  step: string;
}

/** Collects an inventory: workflows, their steps, and what each step called and received. */
export class InventoryBuilder {
  readonly #workflows = new Map<string, InventoryWorkflow>();
  readonly #steps = new Map<string, InventoryStep>();
  readonly #calls = new Map<string, InventoryCall>();

  workflow(name: string): InventoryWorkflow {
    let workflow = this.#workflows.get(name);
    if (workflow === undefined)
      this.#workflows.set(
        name,
        (workflow = { workflow: name, services: [], runproofVersions: [], codeVersions: [], runs: 0, steps: [] }),
      );
    return workflow;
  }

  step(place: Place): InventoryStep {
    const key = `${place.workflow}\n${place.step}`;
    let step = this.#steps.get(key);
    if (step === undefined) {
      this.#steps.set(key, (step = { step: place.step, calls: [], tools: [], inputs: [] }));
      this.workflow(place.workflow).steps.push(step);
    }
    return step;
  }

  call(place: Place, provider: string, operation: string, requestedModel: string): InventoryCall {
    const key = [place.workflow, place.step, provider, operation, requestedModel].join('\n');
    let call = this.#calls.get(key);
    if (call === undefined) {
      call = {
        provider,
        operation,
        requestedModel,
        resolvedModels: [],
        systemFingerprints: [],
        outputShapes: [],
        libraries: [],
        adapters: [],
        toolsDigests: [],
        schemaDigests: [],
      };
      this.#calls.set(key, call);
      this.step(place).calls.push(call);
    }
    return call;
  }

  tool(place: Place, name: string): InventoryTool {
    const step = this.step(place);
    let tool = step.tools.find((candidate) => candidate.name === name);
    if (tool === undefined) step.tools.push((tool = { name, schemaDigests: [], count: 0 }));
    return tool;
  }

  input(place: Place, on: InventoryInput['on'], name: string, schemaDigest: string | undefined): InventoryInput {
    const step = this.step(place);
    let input = step.inputs.find(
      (candidate) => candidate.on === on && candidate.name === name && candidate.schemaDigest === schemaDigest,
    );
    if (input === undefined)
      step.inputs.push(
        (input = schemaDigest === undefined ? { on, name, shapes: [] } : { on, name, schemaDigest, shapes: [] }),
      );
    return input;
  }

  /** Workflows by name, their steps and calls in the order first met (as added), values by first sighting. */
  build(source: Inventory['source'], from: number | null, changes: InventoryChange[]): Inventory {
    let earliest: number | null = from;
    let latest: number | null = null;
    const workflows = [...this.#workflows.values()].sort((a, b) =>
      a.workflow < b.workflow ? -1 : a.workflow > b.workflow ? 1 : 0,
    );
    for (const workflow of workflows) {
      for (const step of workflow.steps) {
        const values = [
          ...step.calls.flatMap((call) => [call.resolvedModels, call.systemFingerprints, call.outputShapes]),
          ...step.inputs.map((input) => input.shapes),
        ];
        for (const list of values) {
          list.sort((a, b) => a.firstSeen - b.firstSeen || (a.value < b.value ? -1 : 1));
          for (const value of list) {
            earliest = earliest === null ? value.firstSeen : Math.min(earliest, value.firstSeen);
            latest = latest === null ? value.lastSeen : Math.max(latest, value.lastSeen);
          }
        }
      }
    }
    return {
      source,
      from: earliest,
      to: latest,
      workflows,
      changes: changes.sort((a, b) => a.at - b.at || (a.workflow < b.workflow ? -1 : 1)),
    };
  }
}

/** Each list's values by value, so a sighting finds its value at once (a call can have thousands: outputs keyed by ids). */
const indexes = new WeakMap<InventoryValue[], Map<string, InventoryValue>>();

/** Adds a sighting of `value` at `at` to `values` (a list only `sight` adds to). */
export function sight(values: InventoryValue[], value: string, at: number, count = 1): void {
  let index = indexes.get(values);
  if (index === undefined) indexes.set(values, (index = new Map(values.map((known) => [known.value, known]))));
  const found = index.get(value);
  if (found === undefined) {
    const added = { value, firstSeen: at, lastSeen: at, count };
    values.push(added);
    index.set(value, added);
  } else {
    found.firstSeen = Math.min(found.firstSeen, at);
    found.lastSeen = Math.max(found.lastSeen, at);
    found.count += count;
  }
}

/** Adds `value` to a sorted list of distinct strings. */
export function note(list: string[], value: unknown): void {
  if (typeof value !== 'string' || value === '' || list.includes(value)) return;
  list.push(value);
  list.sort();
}

/**
 * The changes a list of values shows: each value after the first, from the one before it, at its
 * first sighting — when that is in the window.
 */
export function changesOf(
  values: readonly InventoryValue[],
  since: number | null,
  base: Omit<InventoryChange, 'at' | 'from' | 'to'>,
): InventoryChange[] {
  const ordered = [...values].sort((a, b) => a.firstSeen - b.firstSeen);
  const changes: InventoryChange[] = [];
  for (let index = 1; index < ordered.length; index++) {
    const value = ordered[index]!;
    if (since !== null && value.firstSeen < since) continue;
    changes.push({ ...base, at: value.firstSeen, from: ordered[index - 1]!.value, to: value.value });
  }
  return changes;
}
