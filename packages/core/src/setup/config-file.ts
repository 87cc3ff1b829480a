import { readFileSync } from 'node:fs';
import type { Issue } from '../errors.ts';
import { fileOptionsSchema, parseOptions, type FileOptions } from './options.ts';

/** The options a `RUNPROOF_CONFIG` file holds, or the issues that make it unusable. */
export interface ConfigFile {
  /** `RUNPROOF_CONFIG=<path>`, as error messages name it. */
  source: string;
  options: FileOptions;
  issues: Issue[];
}

/**
 * Reads and validates the JSON config file `RUNPROOF_CONFIG` names. A UTF-8 byte order mark (which
 * some Windows editors write) is skipped; an unreadable file, invalid JSON or a bad field is an
 * issue, never an exception, so it is reported together with bad variables.
 */
export function readConfigFile(path: string | undefined): ConfigFile | undefined {
  if (path === undefined || path.trim() === '') return undefined;
  const source = `RUNPROOF_CONFIG=${path}`;
  const unusable = (code: string, message: string): ConfigFile => ({
    source,
    options: {},
    issues: [{ code, path: [], message }],
  });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return unusable('unreadable', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return unusable('invalid_json', `not valid JSON (${(error as Error).message})`);
  }
  const result = parseOptions(fileOptionsSchema, parsed);
  return { source, options: result.value ?? {}, issues: result.issues };
}
