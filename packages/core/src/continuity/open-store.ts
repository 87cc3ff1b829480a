import type { RunStore } from './journal.ts';
import { parseStoreUrl, sqlitePath } from './store-url.ts';

/** What {@link openStore} may be told besides the URL. */
export interface OpenStoreOptions {
  /** The option or variable the URL came from, named in errors. Default: `store`. */
  field?: string;
  /** How long completed journals are kept: Redis expires them by TTL. Default: 7 days. */
  retentionMs?: number;
}

/**
 * Opens the store a URL names. Each kind's client is an optional peer dependency, loaded only here:
 * `node:sqlite` (built in), `pg`, `redis`. A missing client is a `ConfigError` saying what to install.
 *
 * @example
 * const store = await openRunStore(process.env.RUNPROOF_STORE);
 * console.log(await store.list({ status: 'handed_off' }));
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<RunStore> {
  const location = parseStoreUrl(url, options.field ?? 'store');
  switch (location.kind) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite-store.ts');
      return new SqliteStore(sqlitePath(location.url));
    }
    case 'postgres': {
      const { PostgresStore } = await import('./postgres-store.ts');
      return new PostgresStore(location);
    }
    case 'redis': {
      const { RedisStore } = await import('./redis-store.ts');
      return new RedisStore(location, options.retentionMs === undefined ? {} : { completedTtlMs: options.retentionMs });
    }
  }
}
