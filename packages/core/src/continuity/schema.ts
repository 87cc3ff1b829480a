import { ConfigError } from '../errors.ts';
import { emptyUsage, type RunHeader } from './journal.ts';

/**
 * The version of the stores' layout (tables, keys, the header's JSON). Each store records it on
 * first use; a store written by a newer Runproof is refused rather than misread.
 */
export const SCHEMA_VERSION = 1;

/** The header a claim writes for a run never seen: no attempt yet, nothing used. */
export function newHeader(runId: string, name: string, now: number): RunHeader {
  return { id: runId, name, status: 'in_progress', updatedAt: now, attempts: [], usage: emptyUsage(), handoffs: [] };
}

/** The error for a store whose layout is newer than this version of Runproof reads. */
export function olderSchema(found: number): ConfigError {
  return new ConfigError('store', [
    {
      code: 'store_schema_too_new',
      path: ['store'],
      message: `the store holds journals of schema version ${found}; this version of Runproof reads up to ${SCHEMA_VERSION}: upgrade @runproof/core`,
    },
  ]);
}
