import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { wellFormed } from './span-digest.ts';

/**
 * The evidence directory: one `<run id>.intoto.jsonl` file a run, one envelope a line, an attempt
 * after another. The run id is percent-encoded, so no id reaches outside the folder. Appended
 * synchronously as the run ends: a run's evidence is on disk before its caller gets the result,
 * even when the process exits right after.
 */
export class EvidenceDirectory {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  /**
   * The file of a run's envelopes. Never throws: a lone surrogate in the id (which
   * `encodeURIComponent` refuses) is encoded as U+FFFD.
   */
  fileOf(runId: string): string {
    return join(this.#directory, `${encodeURIComponent(wellFormed(runId))}.intoto.jsonl`);
  }

  append(runId: string, envelopeJson: string): void {
    appendFileSync(this.fileOf(runId), `${envelopeJson}\n`);
  }
}
