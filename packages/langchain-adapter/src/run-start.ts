/**
 * Starting a run's span: where it goes (its parent run, or the scope a patched call left for it),
 * and the record the handler keeps until its end callback.
 */
import { trace, type Attributes, type Context, type Link, type SpanKind, type Tracer } from '@opentelemetry/api';
import { enterScope, pendingScope, RunScope, takenScope, type ScopeKind } from './deferred-span.ts';
import { newRunRecord, type OpenRuns, type RunRecord } from './open-runs.ts';

/** A run about to start: its span's name, kind, attributes and links, where it goes, and its scope kind. */
export interface RunStart {
  parent: RunRecord | undefined;
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  parentContext: Context;
  scopeKind?: ScopeKind;
  links?: Link[];
}

/** Starts runs into one handler's table of open runs, with spans from its tracer. */
export class RunStarter {
  readonly runs: OpenRuns;
  /** The handler's tracer, made on first use. */
  readonly tracer: () => Tracer;

  constructor(runs: OpenRuns, tracer: () => Tracer) {
    this.runs = runs;
    this.tracer = tracer;
  }

  /** Starts the span of run `runId` and adds its record to the table. */
  start(runId: string, run: RunStart): RunRecord {
    const { parent, name, kind, attributes, scopeKind, links } = run;
    let parentContext = run.parentContext;
    const pending = scopeKind === undefined ? undefined : pendingScope(scopeKind);
    // A `generate()` with several prompts starts a model run per prompt inside one call, whose scope
    // the first took: each later one gets a scope of its own, beside the first, not below it.
    const sibling = pending === undefined && scopeKind === 'model' ? takenScope('model') : undefined;
    const own = sibling === undefined ? undefined : new RunScope('model', sibling.outer);
    if (sibling !== undefined && parent === undefined)
      parentContext =
        sibling.outer === undefined ? trace.deleteSpan(parentContext) : trace.setSpan(parentContext, sibling.outer);
    const scope = pending ?? own;
    const span = this.tracer().startSpan(name, { kind, attributes, links }, parentContext);
    if (scope !== undefined) {
      scope.span = span;
      scope.runId = runId;
    }
    const record = newRunRecord(span, scopeKind, trace.setSpan(parentContext, span), parent, scope);
    if (own !== undefined) record.promptContext = enterScope(parentContext, own);
    this.runs.add(runId, record);
    return record;
  }

  /**
   * Ends run `runId` when its boundary halts it in its start callback: the halt is rethrown, out of
   * the callback (`raiseError`), so LangChain never makes the call.
   */
  haltedAtStart(runId: string, halt: unknown): never {
    this.runs.take(runId)?.span.end();
    throw halt;
  }
}
