import { globalSlot } from './internal/global.ts';

/** A hook that rewrites captured content before it is recorded; returning `undefined` drops it. */
export type Redactor = (content: string, context: { attribute: string }) => string | undefined;

/** Settings the adapters read at call time. Resolved once by `start()`; defaults before it. */
export interface Settings {
  captureContent: boolean;
  redact: Redactor | undefined;
  maxContentBytes: number;
  manifestMaxBytes: number;
  codeVersion: string | null;
}

const slot = globalSlot('settings', () => ({ current: defaultSettings() }));

export function defaultSettings(): Settings {
  return {
    captureContent: false,
    redact: undefined,
    maxContentBytes: 16_384,
    manifestMaxBytes: 16_384,
    codeVersion: codeVersionFromEnvironment(),
  };
}

/** The settings in force. */
export function getSettings(): Settings {
  return slot.current;
}

export function setSettings(settings: Settings): void {
  slot.current = settings;
}

/** A git SHA from the environment variables CI systems and platforms set, when there is one. */
export function codeVersionFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string | null {
  for (const name of [
    'RUNPROOF_CODE_VERSION',
    'GIT_COMMIT',
    'GITHUB_SHA',
    'CI_COMMIT_SHA',
    'VERCEL_GIT_COMMIT_SHA',
    'SOURCE_VERSION',
  ]) {
    const value = environment[name]?.trim();
    if (value) return value;
  }
  return null;
}
