/** Retriever runs: a `retrieval {name}` span from the retriever's start to its end or error. */
import { context, SpanKind } from '@opentelemetry/api';
import type { Serialized } from '@langchain/core/load/serializable';
import { ATTR_GEN_AI_OPERATION_NAME, GEN_AI_OPERATION_VALUE_RETRIEVAL } from '@runproof/core/semconv';
import { isAbandonedStreamClosing } from './abandoned-streams.ts';
import { markFailure } from './cancellations.ts';
import type { RunRecord } from './open-runs.ts';
import type { RunStarter } from './run-start.ts';

/** Starts a retriever run's span (`handleRetrieverStart`). */
export function startRetrieverRun(
  starter: RunStarter,
  retriever: Serialized,
  runId: string,
  parentRunId: string | undefined,
  runName: string | undefined,
): void {
  const parent = starter.runs.get(parentRunId);
  const name = runName ?? retriever?.id?.at(-1) ?? 'retriever';
  starter.start(runId, {
    parent,
    name: `${GEN_AI_OPERATION_VALUE_RETRIEVAL} ${name}`,
    kind: SpanKind.INTERNAL,
    attributes: { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_VALUE_RETRIEVAL },
    parentContext: parent?.context ?? context.active(),
    scopeKind: 'retriever',
  });
}

/** A retriever threw (`handleRetrieverError`): a failure, unless it is an abandoned stream closing. */
export function failRetrieverRun(record: RunRecord, error: unknown): void {
  if (!isAbandonedStreamClosing(record, error)) markFailure(record.span, error);
  record.span.end();
}
