import type { RunHeader, RunJournal } from './journal.ts';

/** One line of `runproof runs`: where a run stands, and what it waits on. */
export interface RunLine {
  id: string;
  name: string;
  status: string;
  attempt: number;
  owner: string;
  handoffTarget: string;
  handoffReason: string;
  /** ISO time since when the run has been in its status. */
  since: string;
}

/** The waiting handoff of a run, if any. */
export function waitingHandoff(header: RunHeader): RunHeader['handoffs'][number] | undefined {
  return header.handoffs.find((handoff) => handoff.resumedAt === undefined);
}

/** What `runproof runs` shows of a run. */
export function describeRun(header: RunHeader): RunLine {
  const waiting = header.status === 'handed_off' ? waitingHandoff(header) : undefined;
  return {
    id: header.id,
    name: header.name,
    status: header.status,
    attempt: header.attempts.at(-1)?.attempt ?? 0,
    owner: header.owners?.operational ?? header.owners?.technical ?? '',
    handoffTarget: waiting?.to ?? '',
    handoffReason: waiting?.reason ?? '',
    since: new Date(waiting?.at ?? header.updatedAt).toISOString(),
  };
}

/** Columns padded to their widest value, one run a line, with a header line. */
export function formatRunTable(lines: readonly RunLine[]): string {
  const columns: [string, keyof RunLine][] = [
    ['ID', 'id'],
    ['NAME', 'name'],
    ['STATUS', 'status'],
    ['ATTEMPT', 'attempt'],
    ['OWNER', 'owner'],
    ['HANDOFF TO', 'handoffTarget'],
    ['REASON', 'handoffReason'],
    ['SINCE', 'since'],
  ];
  const rows = [
    columns.map(([title]) => title),
    ...lines.map((line) => columns.map(([, key]) => printable(String(line[key])))),
  ];
  const widths = columns.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `runproof runs show`: the attempts, the steps (replayed or not), usage and handoffs of one run. */
export function formatRunDetail(journal: RunJournal): string {
  const { header } = journal;
  const out = [`run ${printable(header.id)}  ${printable(header.name)}  ${header.status}`];
  out.push('attempts:');
  for (const attempt of header.attempts) {
    const ended =
      attempt.endedAt === undefined
        ? 'did not end (the process stopped)'
        : `${attempt.outcome} at ${new Date(attempt.endedAt).toISOString()}`;
    out.push(
      `  ${attempt.attempt}  ${attempt.continuation}  by ${printable(attempt.executor)}  started ${new Date(attempt.startedAt).toISOString()}, ${ended}  trace ${attempt.traceId}`,
    );
  }
  out.push('steps:');
  const steps = [...journal.steps].sort((a, b) => a.completedAt - b.completedAt);
  for (const step of steps)
    out.push(
      `  ${printable(step.key)}  completed in attempt ${step.attempt}  ${Buffer.byteLength(step.result)} bytes${step.inputDigest === undefined ? '' : `  input ${step.inputDigest.slice(0, 16)}…`}`,
    );
  const usage = header.usage;
  out.push(
    `usage: ${usage.modelCalls} model calls, ${usage.toolCalls} tool calls, ${usage.tokens} tokens, $${usage.costUsd}`,
  );
  if (header.handoffs.length > 0) out.push('handoffs:');
  for (const handoff of header.handoffs) {
    const resumed =
      handoff.resumedAt === undefined
        ? 'waiting'
        : `resumed by ${printable(handoff.resumedBy ?? '')} at ${new Date(handoff.resumedAt).toISOString()}`;
    out.push(
      `  to ${printable(handoff.to)}: ${printable(handoff.reason)}  (attempt ${handoff.attempt}, ${new Date(handoff.at).toISOString()}, ${resumed})`,
    );
  }
  return out.join('\n');
}

/** Control characters in ids and names would rewrite the terminal: show them escaped. */
function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is this function's purpose
    /[\u0000-\u001f\u007f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
