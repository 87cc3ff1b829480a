import type { Inventory, InventoryCall, InventoryChange, InventoryInput, InventoryValue } from './inventory.ts';

const iso = (millis: number) => new Date(millis).toISOString();
/** Digests shortened for reading; `--json` has them whole. */
const short = (value: string) => (/^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}…` : value);
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The inventory for a person: each workflow and step with what it called and received, values with
 * their first and last sighting (those that changed in the window marked), then the changes in the
 * window, oldest first.
 *
 * @example
 * process.stdout.write(formatInventory(inventoryOfSpans(spans, null), 'traces.json'));
 */
export function formatInventory(inventory: Inventory, what: string): string {
  const lines: string[] = [];
  const window =
    inventory.from === null || inventory.to === null ? 'nothing seen' : `${iso(inventory.from)} – ${iso(inventory.to)}`;
  lines.push(`Inventory of ${what}: ${window}`);
  const changed = new Set(
    inventory.changes.map(
      (change) => `${change.workflow}\n${change.step}\n${change.subject}\n${change.kind}\n${change.to}`,
    ),
  );
  for (const workflow of inventory.workflows) {
    const about = [
      workflow.services.length > 0 ? `service ${workflow.services.join(', ')}` : '',
      workflow.runproofVersions.length > 0 ? `runproof ${workflow.runproofVersions.join(', ')}` : '',
      workflow.codeVersions.length > 0 ? `code ${workflow.codeVersions.join(', ')}` : '',
      inventory.source === 'traces' ? plural(workflow.runs, 'run') : '',
    ].filter((part) => part !== '');
    lines.push('', `workflow ${workflow.workflow}${about.length > 0 ? ` (${about.join('; ')})` : ''}`);
    for (const step of workflow.steps) {
      if (step.calls.length === 0 && step.tools.length === 0 && step.inputs.length === 0 && step.step !== '') {
        lines.push(`  step ${step.step}`);
        continue;
      }
      if (step.calls.length + step.tools.length + step.inputs.length === 0) continue;
      lines.push(step.step === '' ? '  (in the run, outside any step)' : `  step ${step.step}`);
      const mark = (subject: string, kind: string) => (value: InventoryValue) =>
        changed.has(`${workflow.workflow}\n${step.step}\n${subject}\n${kind}\n${value.value}`);
      for (const call of step.calls) append(lines, formatCall(call, mark));
      for (const tool of step.tools)
        lines.push(
          `    tool ${tool.name} (${plural(tool.count, 'call')}${tool.schemaDigests.length > 0 ? `; arguments schema ${tool.schemaDigests.map(short).join(', ')}` : ''})`,
        );
      for (const input of step.inputs) append(lines, formatInput(input, mark));
    }
  }
  lines.push(
    '',
    inventory.changes.length === 0
      ? 'No changes in the window.'
      : `Changes in the window (${inventory.changes.length}):`,
  );
  for (const change of inventory.changes) lines.push(`  ${formatChange(change)}`);
  return `${lines.join('\n')}\n`;
}

function formatCall(
  call: InventoryCall,
  mark: (subject: string, kind: string) => (value: InventoryValue) => boolean,
): string[] {
  const subject = `${call.operation} ${call.requestedModel}`;
  const made = [call.provider, ...call.libraries, ...call.adapters].filter((part) => part !== '');
  const lines = [`    ${subject}${made.length > 0 ? ` (${made.join('; ')})` : ''}`];
  append(lines, formatValues('resolved model', call.resolvedModels, mark(subject, 'resolved_model')));
  append(lines, formatValues('system fingerprint', call.systemFingerprints, mark(subject, 'system_fingerprint')));
  append(lines, formatValues('output shape', call.outputShapes, mark(subject, 'output_shape')));
  if (call.toolsDigests.length > 0)
    lines.push(`      ${'tools offered'.padEnd(19)}${call.toolsDigests.map(short).join(', ')}`);
  if (call.schemaDigests.length > 0)
    lines.push(`      ${'response schema'.padEnd(19)}${call.schemaDigests.map(short).join(', ')}`);
  return lines;
}

function formatInput(
  input: InventoryInput,
  mark: (subject: string, kind: string) => (value: InventoryValue) => boolean,
): string[] {
  const subject = `${input.on} ${input.name}`;
  const lines = [`    ${subject}${input.schemaDigest === undefined ? '' : ` (schema ${short(input.schemaDigest)})`}`];
  append(lines, formatValues('input shape', input.shapes, mark(subject, 'input_shape')));
  return lines;
}

function formatValues(
  label: string,
  values: readonly InventoryValue[],
  changed: (value: InventoryValue) => boolean,
): string[] {
  // Not Math.max(...lengths): spread over a call's hundred thousand output shapes, it overflows the stack.
  const width = values.reduce((widest, value) => Math.max(widest, short(value.value).length), 0);
  return values.map((value, index) => {
    const notes = [value.baseline === true ? 'baseline' : '', changed(value) ? '← changed' : ''].filter(
      (part) => part !== '',
    );
    const head = index === 0 ? label.padEnd(19) : ' '.repeat(19);
    return `      ${head}${short(value.value).padEnd(width)}  first ${iso(value.firstSeen)}  last ${iso(value.lastSeen)}  ${plural(value.count, 'call')}${notes.length > 0 ? `  ${notes.join(', ')}` : ''}`;
  });
}

/** Adds `more` to `lines` one by one: `push(...more)` overflows the stack past about 100 000 lines. */
function append(lines: string[], more: readonly string[]): void {
  for (const line of more) lines.push(line);
}

/** One change on one line: when, where, what, from and to. */
export function formatChange(change: InventoryChange): string {
  const where = [change.workflow, change.step, change.subject].filter((part) => part !== '').join(' › ');
  const fields = [
    ...(change.fieldsAdded ?? []).map((field) => `+${field}`),
    ...(change.fieldsRemoved ?? []).map((field) => `-${field}`),
  ];
  const baseline =
    change.baseline === undefined
      ? ''
      : change.baseline === 'moved'
        ? ' (now the baseline)'
        : ' (not the baseline yet)';
  return `${iso(change.at)}  ${where}: ${change.kind} ${short(change.from)} → ${short(change.to)}${fields.length > 0 ? ` [${fields.join(', ')}]` : ''}${baseline}`;
}

/** The inventory for machines: times as ISO 8601 strings, digests whole. */
export function inventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(inventory, (key, value: unknown) => (typeof value === 'number' && ['firstSeen', 'lastSeen', 'at', 'from', 'to'].includes(key) ? iso(value) : value), 2)}\n`;
}
