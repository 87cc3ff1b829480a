import type { BaselineValue } from '../continuity/baselines.ts';
import {
  DRIFT_KIND_VALUE_INPUT_SHAPE,
  DRIFT_KIND_VALUE_OUTPUT_SHAPE,
  DRIFT_KIND_VALUE_RESOLVED_MODEL,
  DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT,
} from '../semconv.ts';
import type { SubjectDescription } from './fleet.ts';
import { compareFields } from './input-shape.ts';
import { InventoryBuilder, note, type Inventory, type InventoryChange, type InventoryValue } from './inventory.ts';
import { OUTSIDE_RUNS } from './inventory-traces.ts';

/**
 * The inventory of the fleet's baselines, as the store keeps them (what `listBaselines` returns):
 * each subject placed by the description its first writer kept, each value with its first and last
 * sighting, count, and whether it is the baseline. Changes: every value first seen after the one
 * before it, from `since` on, with whether it is now the baseline — and, for inputs, the fields
 * gained and lost.
 *
 * @example
 * const inventory = inventoryOfBaselines(await store.listBaselines({ since }), since);
 */
export function inventoryOfBaselines(values: readonly BaselineValue[], since: number | null): Inventory {
  const builder = new InventoryBuilder();
  const changes: InventoryChange[] = [];
  const bySubject = new Map<string, BaselineValue[]>();
  for (const value of values) {
    let list = bySubject.get(value.subject);
    if (list === undefined) bySubject.set(value.subject, (list = []));
    list.push(value);
  }
  for (const [subject, rows] of bySubject) {
    const description = describe(rows[0]?.context, subject);
    const place = { workflow: description.workflow ?? OUTSIDE_RUNS, step: description.step ?? '' };
    const byKind = new Map<string, InventoryValue[]>();
    for (const row of rows) {
      const value: InventoryValue = {
        value: row.value,
        firstSeen: row.firstSeen,
        lastSeen: row.lastSeen,
        count: row.count,
        baseline: row.baselineSince !== undefined,
      };
      if (row.detail !== undefined) value.detail = row.detail;
      let list = byKind.get(row.kind);
      if (list === undefined) byKind.set(row.kind, (list = []));
      list.push(value);
    }
    let label: string;
    if (description.on === 'call') {
      const call = builder.call(
        place,
        description.provider ?? '',
        description.operation ?? '',
        description.target ?? '',
      );
      note(call.libraries, description.library);
      note(call.adapters, description.adapter);
      note(call.toolsDigests, description.toolsDigest);
      note(call.schemaDigests, description.schemaDigest);
      call.resolvedModels.push(...(byKind.get(DRIFT_KIND_VALUE_RESOLVED_MODEL) ?? []));
      call.systemFingerprints.push(...(byKind.get(DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT) ?? []));
      call.outputShapes.push(...(byKind.get(DRIFT_KIND_VALUE_OUTPUT_SHAPE) ?? []));
      label = `${description.operation ?? ''} ${description.target ?? ''}`;
    } else {
      const name = description.on === 'checkpoint' ? (description.name ?? '') : (description.step ?? '');
      builder
        .input(place, description.on, name, description.schemaDigest)
        .shapes.push(...(byKind.get(DRIFT_KIND_VALUE_INPUT_SHAPE) ?? []));
      label = `${description.on} ${name}`;
    }
    for (const [kind, list] of byKind)
      changes.push(...changesIn(list, since, { workflow: place.workflow, step: place.step, subject: label, kind }));
  }
  return builder.build('store', since, changes);
}

/** Each value first seen after another, from the one before it; whether it is the baseline now. */
function changesIn(
  values: InventoryValue[],
  since: number | null,
  base: Pick<InventoryChange, 'workflow' | 'step' | 'subject' | 'kind'>,
): InventoryChange[] {
  const ordered = [...values].sort((a, b) => a.firstSeen - b.firstSeen);
  const changes: InventoryChange[] = [];
  for (let index = 1; index < ordered.length; index++) {
    const before = ordered[index - 1]!;
    const value = ordered[index]!;
    if (since !== null && value.firstSeen < since) continue;
    const change: InventoryChange = {
      ...base,
      at: value.firstSeen,
      from: before.value,
      to: value.value,
      baseline: value.baseline === true ? 'moved' : 'not yet',
    };
    if (before.detail !== undefined && value.detail !== undefined) {
      const fields = compareFields(JSON.parse(before.detail) as unknown, JSON.parse(value.detail) as unknown);
      change.fieldsAdded = fields.added;
      change.fieldsRemoved = fields.removed;
    }
    changes.push(change);
  }
  return changes;
}

function describe(context: string | undefined, subject: string): SubjectDescription {
  try {
    if (context !== undefined) return JSON.parse(context) as SubjectDescription;
  } catch {
    // A context this version cannot read: the subject is listed by its digest.
  }
  return { on: 'call', target: subject.slice(0, 12) };
}
