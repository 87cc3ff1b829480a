import type { Issue } from '../errors.ts';
import {
  DEFAULT_MAX_LEDGER_SPANS,
  loadSigner,
  unwritableDirectory,
  type EvidenceOptions,
  type ResolvedEvidence,
} from './evidence-options.ts';

/** One place evidence options come from (the options, the environment, the config file), highest first. */
export interface EvidenceLayer {
  /** Names the source in a `ConfigError`, e.g. `start() options`. */
  source: string;
  evidence: EvidenceOptions | undefined;
  /** Where a field of this source is, for an issue: `['evidence', 'key']`, `['RUNPROOF_SIGNING_KEY_FILE']`. */
  pathOf(field: keyof EvidenceOptions): (string | number)[];
}

/**
 * Resolves evidence from its sources, each field from the highest one that sets it (the key, key
 * file or signing hook together, as one field): loads and checks the key, creates the evidence
 * directory. `undefined` when no source gives a key. Each problem names its source and field.
 */
export function resolveEvidence(layers: readonly EvidenceLayer[]): {
  evidence: ResolvedEvidence | undefined;
  problems: { source: string; issue: Issue }[];
} {
  const problems: { source: string; issue: Issue }[] = [];
  const keyLayer = layers.find(
    (layer) =>
      layer.evidence?.key !== undefined || layer.evidence?.keyFile !== undefined || layer.evidence?.sign !== undefined,
  );
  const directoryLayer = layers.find((layer) => layer.evidence?.directory !== undefined);
  const maxLedgerSpans =
    layers.find((layer) => layer.evidence?.maxLedgerSpans !== undefined)?.evidence?.maxLedgerSpans ??
    DEFAULT_MAX_LEDGER_SPANS;
  if (keyLayer === undefined) {
    if (directoryLayer !== undefined) {
      problems.push({
        source: directoryLayer.source,
        issue: {
          code: 'invalid_value',
          path: directoryLayer.pathOf('directory'),
          message:
            'an evidence directory needs a signing key (evidence.key, evidence.keyFile or RUNPROOF_SIGNING_KEY_FILE): nothing would be signed',
        },
      });
    }
    return { evidence: undefined, problems };
  }
  const loaded = loadSigner(keyLayer.evidence!);
  for (const issue of loaded.issues)
    problems.push({
      source: keyLayer.source,
      issue: { ...issue, path: keyLayer.pathOf(issue.path[0] as keyof EvidenceOptions) },
    });
  const directory = directoryLayer?.evidence?.directory;
  if (directory !== undefined) {
    const problem = unwritableDirectory(directory);
    if (problem !== undefined)
      problems.push({
        source: directoryLayer!.source,
        issue: { code: 'unwritable', path: directoryLayer!.pathOf('directory'), message: problem },
      });
  }
  if (loaded.signer === undefined || problems.length > 0) return { evidence: undefined, problems };
  return { evidence: { signer: loaded.signer, directory, maxLedgerSpans }, problems };
}
