/**
 * The issue's targets, checked on every workload: Runproof (every Runproof attribute on, inside a
 * run, `openai` 7) adds the least CPU per call of all instrumentations that export spans, and at
 * most 1.15× what a bare hand-written span with the same exporter adds.
 */
import { CONFIGURATIONS } from './configurations.ts';
import type { Row } from './report.ts';
import type { Workload } from './workloads.ts';

export const FLOOR_RATIO_TARGET = 1.15;

const PEER_IDS = new Set<string>(
  CONFIGURATIONS.filter((configuration) => configuration.peer).map((configuration) => configuration.id),
);

function idOf(row: Row): string {
  return row.key.slice(0, row.key.indexOf('@'));
}

export function judgeTargets(rowsByWorkload: ReadonlyMap<Workload, readonly Row[]>): string[] {
  const lines: string[] = [];
  for (const [workload, rows] of rowsByWorkload) {
    const ours = rows.find((row) => row.key === 'runproof@7');
    if (ours?.addedCpu === undefined) continue;
    const peers = rows.filter((row) => PEER_IDS.has(idOf(row)) && row.spansPerCall > 0 && row.addedCpu !== undefined);
    const cheapest = peers.reduce<Row | undefined>(
      (best, row) => (best === undefined || row.addedCpu! < best.addedCpu! ? row : best),
      undefined,
    );
    const parts = [`**${workload.label}**: Runproof adds ${ours.addedCpu.toFixed(1)} µs/call.`];
    if (cheapest === undefined) parts.push('No peer exported spans.');
    else {
      const met = ours.addedCpu < cheapest.addedCpu!;
      parts.push(
        `Cheapest peer: ${cheapest.label} (openai ${cheapest.openaiVersion}) ${cheapest.addedCpu!.toFixed(1)} µs → lowest: **${met ? 'met' : 'not met'}**.`,
      );
    }
    const ours6 = rows.find((row) => row.key === 'runproof@6');
    const peers6 = peers.filter((row) => row.key.endsWith('@6'));
    if (ours6?.addedCpu !== undefined && peers6.length > 0) {
      const met6 = peers6.every((row) => ours6.addedCpu! < row.addedCpu!);
      parts.push(
        `On openai 6, like for like: Runproof ${ours6.addedCpu.toFixed(1)} µs vs ${peers6.map((row) => `${row.addedCpu!.toFixed(1)}`).join(' / ')} → **${met6 ? 'lowest' : 'not lowest'}**.`,
      );
    }
    if (ours.floorRatio !== undefined) {
      const met = ours.floorRatio <= FLOOR_RATIO_TARGET;
      parts.push(
        `vs hand-written span: ${ours.floorRatio.toFixed(2)}× → ≤ ${FLOOR_RATIO_TARGET}×: **${met ? 'met' : 'not met'}**.`,
      );
    }
    const same = rows.find((row) => row.key === 'floor-same@7');
    if (same?.addedCpu !== undefined && same.addedCpu > 0) {
      const ratio = ours.addedCpu / same.addedCpu;
      parts.push(
        `vs the same information written by hand: ${ratio.toFixed(2)}× (Runproof's own work: ${(ours.addedCpu - same.addedCpu).toFixed(1)} µs) → ≤ ${FLOOR_RATIO_TARGET}×: **${ratio <= FLOOR_RATIO_TARGET ? 'met' : 'not met'}**.`,
      );
    }
    lines.push(parts.join(' '));
  }
  return lines;
}
