/**
 * The targets of issue 14, checked on every workload of the in-process tables (Runproof with every
 * signal on, inside a run, `openai` 7; peers on the major they export spans on):
 *
 * - Runproof's own work (Runproof − the hand-written span carrying the same information) at most
 *   10 µs per non-streaming call and 20 µs per streamed call;
 * - the price of the information (that span − a bare span), printed: the issue asks for a third
 *   less than before the change, which one run cannot judge (compare with the previous results);
 * - below OpenInference on every workload; within 1.25× the cheapest peer on chat, 16 concurrent
 *   and structured; the cheapest of all on streaming.
 */
import { CONFIGURATIONS } from './configurations.ts';
import type { Row } from './report.ts';
import type { Workload } from './workloads.ts';

export const OWN_WORK_TARGET_MICROS = 10;
export const OWN_WORK_TARGET_STREAM_MICROS = 20;
export const CHEAPEST_PEER_RATIO = 1.25;

const PEER_IDS = new Set<string>(
  CONFIGURATIONS.filter((configuration) => configuration.peer).map((configuration) => configuration.id),
);

function idOf(row: Row): string {
  return row.key.slice(0, row.key.indexOf('@'));
}

function verdict(met: boolean): string {
  return `**${met ? 'met' : 'not met'}**`;
}

export function judgeTargets(rowsByWorkload: ReadonlyMap<Workload, readonly Row[]>): string[] {
  const lines: string[] = [];
  for (const [workload, rows] of rowsByWorkload) {
    const ours = rows.find((row) => row.key === 'runproof@7');
    if (ours?.addedCpu === undefined) continue;
    const parts = [`**${workload.label}**: Runproof adds ${ours.addedCpu.toFixed(1)} µs/call.`];
    const same = rows.find((row) => row.key === 'floor-same@7');
    const floor = rows.find((row) => row.key === 'floor@7');
    if (same?.addedCpu !== undefined) {
      const ownWork = ours.addedCpu - same.addedCpu;
      const limit = workload.stream ? OWN_WORK_TARGET_STREAM_MICROS : OWN_WORK_TARGET_MICROS;
      parts.push(
        `Own work (Runproof − the same information by hand): ${ownWork.toFixed(1)} µs → ≤ ${limit} µs: ${verdict(ownWork <= limit)}.`,
      );
      if (floor?.addedCpu !== undefined)
        parts.push(
          `Price of the information (that span − a bare span): ${(same.addedCpu - floor.addedCpu).toFixed(1)} µs.`,
        );
    }
    const peers = rows.filter((row) => PEER_IDS.has(idOf(row)) && row.spansPerCall > 0 && row.addedCpu !== undefined);
    const openInference = peers.find((row) => idOf(row) === 'openinference');
    if (openInference !== undefined) {
      parts.push(
        `OpenInference ${openInference.addedCpu!.toFixed(1)} µs → below it: ${verdict(ours.addedCpu < openInference.addedCpu!)}.`,
      );
    }
    const cheapest = peers.reduce<Row | undefined>(
      (best, row) => (best === undefined || row.addedCpu! < best.addedCpu! ? row : best),
      undefined,
    );
    if (cheapest !== undefined) {
      // A peer measured on openai 6 is compared with Runproof on 6, like for like, when there is one.
      const like = cheapest.key.endsWith('@6') ? rows.find((row) => row.key === 'runproof@6') : ours;
      const compared = like?.addedCpu ?? ours.addedCpu;
      const ratio = compared / cheapest.addedCpu!;
      const major = cheapest.key.endsWith('@6') ? ' (both on openai 6)' : '';
      if (workload.stream)
        parts.push(
          `Cheapest peer ${cheapest.label} ${cheapest.addedCpu!.toFixed(1)} µs${major} → the cheapest of all: ${verdict(compared < cheapest.addedCpu!)}.`,
        );
      else
        parts.push(
          `Cheapest peer ${cheapest.label} ${cheapest.addedCpu!.toFixed(1)} µs${major}: ${ratio.toFixed(2)}× → ≤ ${CHEAPEST_PEER_RATIO}×: ${verdict(ratio <= CHEAPEST_PEER_RATIO)}.`,
        );
    }
    lines.push(parts.join(' '));
  }
  return lines;
}
