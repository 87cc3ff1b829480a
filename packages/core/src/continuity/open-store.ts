import type { RunStore } from './journal.ts';
import { parseStoreUrl, sqlitePath } from './store-url.ts';

/**
 * Opens the store a URL names. Each kind's client is an optional peer dependency, loaded only here:
 * `node:sqlite` (built in), `pg`, `redis`. A missing client is a `ConfigError` saying what to install.
 */
export async function openStore(url: string, field = 'store'): Promise<RunStore> {
  const location = parseStoreUrl(url, field);
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
      return new RedisStore(location);
    }
  }
}
