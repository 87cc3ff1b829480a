import { ConfigError } from '../errors.ts';

/** A store URL taken apart: its kind, and how to name it where the password must not appear. */
export interface StoreLocation {
  kind: 'sqlite' | 'postgres' | 'redis';
  /** The URL as given, password included: only for the client. */
  url: string;
  /** The URL with its password replaced by `***`: for messages, spans and logs. */
  displayName: string;
  /** The password and any secret query parameter, so messages a client builds can be scrubbed of them. */
  secrets: readonly string[];
}

const KINDS: Record<string, StoreLocation['kind']> = {
  'sqlite:': 'sqlite',
  'file:': 'sqlite',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'redis:': 'redis',
  'rediss:': 'redis',
};

/**
 * Reads a store URL: `sqlite:./runproof-runs.db` (a file, relative to the working directory),
 * `sqlite::memory:`, `postgres://user:password@host:5432/db`, `redis://:password@host:6379/0`.
 * Throws a `ConfigError` naming `field` for anything else.
 *
 * @example
 * parseStoreUrl('postgres://runproof:secret@db:5432/app').displayName // 'postgres://runproof:***@db:5432/app'
 */
export function parseStoreUrl(url: string, field = 'store'): StoreLocation {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  const kind = scheme === undefined ? undefined : KINDS[scheme];
  if (kind === undefined) {
    throw new ConfigError(field, [
      {
        code: 'invalid_store_url',
        path: [field],
        message: 'expected a store URL starting with sqlite:, postgres:, postgresql:, redis: or rediss:',
      },
    ]);
  }
  if (kind === 'sqlite') return { kind, url, displayName: url, secrets: [] };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(field, [{ code: 'invalid_store_url', path: [field], message: `not a valid ${kind} URL` }]);
  }
  const secrets: string[] = [];
  const keep = (raw: string) => {
    if (raw === '') return;
    secrets.push(raw);
    try {
      secrets.push(decodeURIComponent(raw));
    } catch {
      throw new ConfigError(field, [
        {
          code: 'invalid_store_url',
          path: [field],
          message: `not a valid ${kind} URL: a password holds a % that does not start an escape`,
        },
      ]);
    }
  };
  keep(parsed.password);
  if (parsed.password !== '') parsed.password = '***';
  // Clients also take a password from the query (`?password=`, `?sslpassword=`…).
  for (const [name, value] of [...parsed.searchParams]) {
    if (!SECRET_PARAMETER.test(name)) continue;
    keep(value);
    parsed.searchParams.set(name, '***');
  }
  return {
    kind,
    url,
    displayName: parsed.toString(),
    secrets: [...new Set(secrets)].sort((a, b) => b.length - a.length),
  };
}

/** The SQLite file a `sqlite:` URL names (`:memory:` for an in-memory database). */
export function sqlitePath(url: string): string {
  const rest = url.replace(/^(sqlite|file):/i, '');
  return rest.startsWith('//') ? rest.slice(2) : rest === '' ? 'runproof-runs.db' : rest;
}

/** `text` with each of `secrets` replaced by `***`, so a client's message cannot leak a password. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((scrubbed, secret) => (secret === '' ? scrubbed : scrubbed.split(secret).join('***')), text);
}

/** Query parameters that hold a secret. */
const SECRET_PARAMETER = /pass|secret|token|key/i;

/** The `ConfigError` for a store whose client package is not installed. */
export function missingClient(kind: string, packageName: string, cause: unknown): ConfigError {
  return new ConfigError('store', [
    {
      code: 'missing_store_client',
      path: ['store'],
      message: `a ${kind} store needs the ${packageName} package (npm install ${packageName}); loading it failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    },
  ]);
}
