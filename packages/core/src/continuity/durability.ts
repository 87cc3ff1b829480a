import { ConfigError } from '../errors.ts';
import { globalSlot } from '../internal/global.ts';
import type { RunStore } from './journal.ts';
import type { ResultCodec } from './step-results.ts';
import { openStore } from './open-store.ts';
import { parseStoreUrl } from './store-url.ts';

/** How durable runs keep their journals: `start({ store, durability })`. */
export interface DurabilityOptions {
  /**
   * Where journals are kept: `sqlite:./runproof-runs.db`, `postgres://…`, `redis://…`, or a store
   * object. Env: `RUNPROOF_STORE`. Default: `sqlite:./runproof-runs.db` (a file in the working directory),
   * opened on the first durable run. A store given here or in `RUNPROOF_STORE` also keeps the
   * fleet's drift baselines (a store object: when it implements `BaselineStore`).
   */
  store?: string | RunStore;
  /** How long a claim on a run holds unless renewed (every third of it). Env: `RUNPROOF_LEASE_MS`. Default: 30 000. */
  leaseMs?: number;
  /** Largest step or run result journaled, in bytes of JSON. Default: 2 MiB. */
  maxResultBytes?: number;
  /** How long completed runs' journals are kept. Env: `RUNPROOF_RETENTION_MS`. Default: 7 days. */
  retentionMs?: number;
  /** Applied to each result's JSON before it is stored, e.g. to encrypt it. Default: none. */
  encodeResult?: (json: string) => string;
  /** The inverse of `encodeResult`. */
  decodeResult?: (stored: string) => string;
}

/** The durability settings in force, and the store once opened. */
export interface Durability {
  leaseMs: number;
  retentionMs: number;
  codec: ResultCodec;
  /** The store's URL without its password, for messages. */
  storeName: string;
  /** `sqlite`, `postgres`, `redis`, or a custom store's `kind`: on durable runs' spans. */
  storeKind: string;
  /**
   * Whether a store was configured (`start({ store })`, the config file, `RUNPROOF_STORE`) rather
   * than defaulted: drift baselines are shared through the store only then.
   */
  configured: boolean;
  /** Opens the store on first use; the same promise after. */
  store(): Promise<RunStore>;
  /** Closes the store if it was opened; opens nothing. */
  close(): Promise<void>;
}

/** The default store: a SQLite file in the working directory. */
export const DEFAULT_STORE = 'sqlite:./runproof-runs.db';
const slot = globalSlot<{ current: Durability | undefined }>('durability', () => ({ current: undefined }));

/** Sets the durability settings (from `start()`); the previous store, if one was opened, is closed. */
export function configureDurability(options: DurabilityOptions): Durability {
  const previous = slot.current;
  slot.current = resolveDurability(options);
  void previous?.close().catch(() => {});
  return slot.current;
}

/** The settings in force: those `start()` set, else the environment's, else the defaults. */
export function getDurability(): Durability {
  return (slot.current ??= resolveDurability({}));
}

function resolveDurability(options: DurabilityOptions): Durability {
  // An empty variable is no variable, as for every other setting.
  const fromEnvironment = process.env.RUNPROOF_STORE?.trim() || undefined;
  const given = options.store ?? fromEnvironment ?? DEFAULT_STORE;
  const field = options.store === undefined ? 'RUNPROOF_STORE' : 'store';
  const location = typeof given === 'string' ? { ...parseStoreUrl(given, field), field } : undefined;
  let opened: Promise<RunStore> | undefined;
  const retentionMs = options.retentionMs ?? positiveFromEnvironment('RUNPROOF_RETENTION_MS') ?? 7 * 24 * 3600_000;
  return {
    leaseMs: options.leaseMs ?? positiveFromEnvironment('RUNPROOF_LEASE_MS') ?? 30_000,
    retentionMs,
    codec: {
      maxResultBytes: options.maxResultBytes ?? 2 * 1024 * 1024,
      encode: options.encodeResult,
      decode: options.decodeResult,
    },
    storeName: location?.displayName ?? (given as RunStore).kind,
    storeKind: location?.kind ?? (given as RunStore).kind,
    configured: options.store !== undefined || fromEnvironment !== undefined,
    store() {
      // A store that failed to open is tried again on the next run rather than failing every run after.
      opened ??= (
        typeof given === 'string' ? openStore(given, { field: location!.field, retentionMs }) : Promise.resolve(given)
      ).catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
      return opened;
    },
    async close() {
      if (opened !== undefined) await (await opened).close();
    },
  };
}

function positiveFromEnvironment(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (Number.isInteger(value) && value > 0) return value;
  throw new ConfigError(name, [
    {
      code: 'invalid_type',
      path: [name],
      message: `expected a positive integer (milliseconds), got ${JSON.stringify(text)}`,
    },
  ]);
}
