import type { Span } from '@opentelemetry/api';
import { canonicalize } from '../identity/canonical-json.ts';
import { cachedDigest } from '../identity/digest-cache.ts';
import { safely } from '../safely.ts';
import { DRIFT_KIND_VALUE_INPUT_SHAPE } from '../semconv.ts';
import { judgeDrift } from './drift.ts';
import { sharedBaselines, type SubjectDescription } from './fleet.ts';
import { inputShapeOf } from './input-shape.ts';

/** Largest structure kept with a shape in the store (for the fields a later change gained and lost). */
const MAX_DETAIL_CHARACTERS = 8 * 1024;

/**
 * For checkpoints and steps: compares the structure of what one received (keys and types, never
 * values; see `inputShapeOf`) with the baseline of the same checkpoint or step — named by
 * `description`, so the same checkpoint in two workflows, or after its schema changed, has a
 * baseline of its own. A changed structure is `runproof.drift.kind=input_shape` on `span`, with the
 * fields gained and lost, before the input's validation has a chance to fail. Per process without
 * a store; the fleet's with one, like every drift kind. Returns whether drift was reported.
 *
 * @example
 * detectInputDrift(span, { on: 'checkpoint', workflow: 'invoice-triage', name: 'crm.customer' }, customer);
 */
export function detectInputDrift(span: Span, description: SubjectDescription, input: unknown): boolean {
  return safely('detecting input drift', false, () => {
    const subject = cachedDigest(description);
    const shape = inputShapeOf(input) ?? 'null';
    const shared = sharedBaselines();
    shared?.note(subject, () => JSON.stringify(description));
    const detail = () => {
      const json = canonicalize(shape);
      return json.length > MAX_DETAIL_CHARACTERS ? undefined : json;
    };
    return judgeDrift(
      span,
      subject,
      { kind: DRIFT_KIND_VALUE_INPUT_SHAPE, value: cachedDigest(shape), shape },
      Date.now(),
      shared,
      detail,
    );
  });
}
