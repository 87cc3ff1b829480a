import { createHash } from 'node:crypto';
import type * as Redis from 'redis';
import { ConfigError } from '../errors.ts';
import {
  BASELINES_SCHEMA_VERSION,
  checkBatch,
  DEFAULT_BASELINE_LISTING_LIMIT,
  newerBaselines,
  type BaselineListing,
  type BaselineObservation,
  type BaselineStore,
  type BaselineValue,
} from './baselines.ts';
import { LeaseLostError } from './errors.ts';
import type { Claim, RunFilter, RunHeader, RunJournal, RunStatus, RunStore, StepRecord } from './journal.ts';
import {
  BASELINE_INDEX,
  BASELINE_KEY_PREFIX,
  BASELINES_VERSION,
  LIST_BASELINES,
  MOVE_BASELINE,
  READ_BASELINES,
  RECORD_OBSERVATIONS,
  recordArguments,
  valuesOfReply,
} from './redis-baselines.ts';
import { CLAIM, LIST, READ, REMOVE_COMPLETED, RENEW, WRITE, type RedisScript } from './redis-scripts.ts';
import { SCHEMA_VERSION, newHeader, olderSchema } from './schema.ts';
import { scrubError } from './scrub-error.ts';
import { missingClient, type StoreLocation } from './store-url.ts';

type RedisClient = Redis.RedisClientType;

/** A connected client, and how many calls wait on it (it keeps the process alive only then). */
interface Connection {
  client: RedisClient;
  calls: number;
}

/** What {@link RedisStore} takes beside its URL. */
export interface RedisStoreOptions {
  /** How long a completed run's journal is kept before Redis expires it. Default: 7 days. */
  completedTtlMs?: number;
}

const DEFAULT_COMPLETED_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const PREFIX = 'runproof:';
const META = `${PREFIX}meta`;
const RUN = `${PREFIX}run:`;
const STEPS = `${PREFIX}steps:`;
const ORDER = `${PREFIX}step-order:`;
const RUNS = `${PREFIX}runs`;
const BY_STATUS = `${PREFIX}runs:`;
/** Completed runs removed per script call, so one call never blocks Redis for long. */
const REMOVE_BATCH = 500;
/**
 * How long a call (or connecting) waits for the server's answer. A server that accepts and never
 * answers — stopped (SIGSTOP), overloaded, a proxy whose backend is gone — would otherwise hold the
 * call, and the connection the process: an app ending its work never exited.
 */
const ANSWER_TIMEOUT_MS = 3_000;

/**
 * The Redis store, through `redis` (node-redis; an optional peer dependency, loaded on first use).
 * Keys under `runproof:`, a run's named by the SHA-256 of its id, so ids of any length and content
 * are safe; every write checks the lease in a Lua script (see `redis-scripts.ts`). Completed runs
 * expire after `completedTtlMs`, so the server should not evict keys without a TTL (`noeviction`
 * or a `volatile-*` policy). Calls are never queued for a server that is down: one that refuses
 * connections fails them within half a second, one that does not answer within about 3 s. The
 * connection never keeps the process alive while no call is waiting.
 *
 * @example
 * const store = new RedisStore(parseStoreUrl('redis://:secret@cache:6379/0'), { completedTtlMs: 86_400_000 });
 */
export class RedisStore implements RunStore, BaselineStore {
  readonly kind = 'redis';
  readonly #location: StoreLocation;
  readonly #completedTtlMs: number;
  #connection: Promise<Connection> | undefined;
  #baselinesChecked = false;
  #closed = false;

  constructor(location: StoreLocation, options: RedisStoreOptions = {}) {
    const ttl = options.completedTtlMs ?? DEFAULT_COMPLETED_TTL_MS;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new ConfigError('completedTtlMs', [
        { code: 'invalid_ttl', path: ['completedTtlMs'], message: 'expected a positive whole number of milliseconds' },
      ]);
    }
    this.#location = location;
    this.#completedTtlMs = ttl;
  }

  async claim(runId: string, name: string, token: string, leaseUntil: number, now: number): Promise<Claim> {
    const run = keysOf(runId);
    const header = newHeader(runId, name, now);
    const reply = (await this.#script(
      CLAIM,
      [run.run, run.steps, run.order, RUNS, `${BY_STATUS}completed`, BY_STATUS + header.status],
      [token, String(leaseUntil), String(now), JSON.stringify(header), run.member, header.status],
    )) as string[];
    if (reply[0] === 'busy') return { kind: 'busy', leaseUntil: Number(reply[1]) };
    if (reply[0] === 'completed') return { kind: 'completed', journal: journalOf(reply)! };
    return { kind: 'claimed', journal: journalOf(reply) };
  }

  async writeHeader(header: RunHeader, token: string, options: { release?: boolean } = {}): Promise<void> {
    await this.#write(header, token, options.release === true, []);
  }

  async writeStep(step: StepRecord, header: RunHeader, token: string): Promise<void> {
    await this.#write(header, token, false, [step.key, JSON.stringify(step)]);
  }

  async renew(runId: string, token: string, leaseUntil: number): Promise<void> {
    if ((await this.#script(RENEW, [keysOf(runId).run], [token, String(leaseUntil)])) !== 1)
      throw new LeaseLostError(runId);
  }

  async read(runId: string): Promise<RunJournal | undefined> {
    const run = keysOf(runId);
    return journalOf((await this.#script(READ, [run.run, run.steps, run.order], [])) as string[]);
  }

  async list(filter: RunFilter = {}): Promise<RunHeader[]> {
    const set = filter.status === undefined ? RUNS : BY_STATUS + filter.status;
    const headers = (await this.#script(
      LIST,
      [set, RUNS, `${BY_STATUS}completed`],
      [String(filter.limit ?? 100), RUN, filter.status ?? ''],
    )) as string[];
    return headers.map((header) => JSON.parse(header) as RunHeader);
  }

  async removeCompleted(before: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const [count, examined] = (await this.#script(
        REMOVE_COMPLETED,
        [`${BY_STATUS}completed`, RUNS],
        [String(before), String(REMOVE_BATCH), RUN, STEPS, ORDER],
      )) as [number, number];
      removed += count;
      if (examined < REMOVE_BATCH) return removed;
    }
  }

  async readBaselines(subjects: readonly string[]): Promise<BaselineValue[]> {
    await this.#checkBaselines();
    return valuesOfReply(
      await this.#script(
        READ_BASELINES,
        subjects.map((subject) => BASELINE_KEY_PREFIX + subject),
        [...subjects],
      ),
    );
  }

  async recordObservations(batch: readonly BaselineObservation[]): Promise<BaselineValue[]> {
    checkBatch(batch);
    if (batch.length === 0) return [];
    await this.#checkBaselines();
    const { keys, args } = recordArguments(batch);
    return valuesOfReply(await this.#script(RECORD_OBSERVATIONS, keys, args));
  }

  async moveBaseline(subject: string, kind: string, from: string, to: string, at: number): Promise<boolean> {
    if (from === to) return false;
    await this.#checkBaselines();
    return (await this.#script(MOVE_BASELINE, [BASELINE_KEY_PREFIX + subject], [kind, from, to, String(at)])) === 1;
  }

  async listBaselines(listing: BaselineListing = {}): Promise<BaselineValue[]> {
    await this.#checkBaselines();
    const args = [
      String(listing.since ?? 0),
      String(listing.limit ?? DEFAULT_BASELINE_LISTING_LIMIT),
      BASELINE_KEY_PREFIX,
    ];
    return valuesOfReply(await this.#script(LIST_BASELINES, [BASELINE_INDEX], args));
  }

  /** Records the baselines' schema version on the first baseline call; refuses newer baselines. */
  async #checkBaselines(): Promise<void> {
    if (this.#baselinesChecked) return;
    const found = Number(await this.#script(BASELINES_VERSION, [META], [String(BASELINES_SCHEMA_VERSION)]));
    if (found > BASELINES_SCHEMA_VERSION) throw newerBaselines(found);
    this.#baselinesChecked = true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = undefined;
    const client = (await connection?.catch(() => undefined))?.client;
    if (client === undefined || !client.isOpen) return;
    if (client.isReady) await client.close();
    else client.destroy();
  }

  async #write(header: RunHeader, token: string, release: boolean, step: string[]): Promise<void> {
    const run = keysOf(header.id);
    const status: RunStatus = header.status;
    const written = await this.#script(
      WRITE,
      [run.run, run.steps, run.order, RUNS],
      [
        token,
        status,
        String(header.updatedAt),
        JSON.stringify(header),
        release ? '1' : '',
        run.member,
        BY_STATUS,
        String(this.#completedTtlMs),
        RUN,
        ...step,
      ],
    );
    if (written !== 1) throw new LeaseLostError(header.id);
  }

  /** Runs a script by its SHA-1, loading it on the server's first `NOSCRIPT`; errors name no password. */
  async #script(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    let connection: Connection | undefined;
    try {
      connection = await this.#connected();
      const { client } = connection;
      if (connection.calls++ === 0) client.ref();
      try {
        return await answered(client, client.evalSha(script.sha, { keys, arguments: args }));
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return await answered(client, client.eval(script.source, { keys, arguments: args }));
      }
    } catch (error) {
      throw scrubError(error, this.#location.secrets);
    } finally {
      if (connection !== undefined && --connection.calls === 0 && connection.client.isOpen) connection.client.unref();
    }
  }

  async #connected(): Promise<Connection> {
    if (this.#closed) throw new Error('the store was closed');
    const current = this.#connection;
    if (current !== undefined) {
      const connection = await current;
      if (connection.client.isReady) return connection;
      // The connection was lost (the client may still be retrying in the background): connect
      // anew, so a server that is back is used at once and one still down fails this call fast.
      if (this.#connection === current) {
        this.#connection = undefined;
        if (connection.client.isOpen) connection.client.destroy();
      }
    }
    this.#connection ??= this.#open().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    let redis: typeof Redis;
    try {
      redis = await import('redis');
    } catch (cause) {
      throw missingClient('Redis', 'redis', cause);
    }
    const client = redis.createClient({
      url: this.#location.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 1_000,
        // Twice, 100 and 200 ms apart, then give up: a down server fails calls fast.
        reconnectStrategy: (retries, cause) => (retries < 2 ? 100 * (retries + 1) : cause),
      },
    });
    // Connection errors reach callers through their rejected calls; unheard, the event would
    // crash the process.
    client.on('error', () => {});
    try {
      await answered(client, client.connect());
      await answered(client, client.hSetNX(META, 'schema_version', String(SCHEMA_VERSION)));
      const found = Number(await answered(client, client.hGet(META, 'schema_version')));
      if (found > SCHEMA_VERSION) throw olderSchema(found);
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw error;
    }
    return { client, calls: 0 };
  }
}

/**
 * What `call` resolves to, unless the server has not answered within {@link ANSWER_TIMEOUT_MS}:
 * then the client is destroyed (its calls fail, its socket no longer holds the process; the next
 * call connects anew) and this rejects.
 */
async function answered<T>(client: RedisClient, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (client.isOpen) client.destroy();
      reject(new Error(`Redis did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`));
    }, ANSWER_TIMEOUT_MS);
    // The call's socket holds the process while it waits; the timer needs not.
    timer.unref();
  });
  try {
    return await Promise.race([call, silence]);
  } finally {
    clearTimeout(timer);
  }
}

function keysOf(runId: string): { member: string; run: string; steps: string; order: string } {
  const member = createHash('sha256').update(runId).digest('hex');
  return { member, run: RUN + member, steps: STEPS + member, order: ORDER + member };
}

function journalOf(reply: string[]): RunJournal | undefined {
  if (reply.length < 2) return undefined;
  const [, header, ...steps] = reply;
  return { header: JSON.parse(header!) as RunHeader, steps: steps.map((step) => JSON.parse(step) as StepRecord) };
}
