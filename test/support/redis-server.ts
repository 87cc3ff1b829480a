import { randomBytes } from 'node:crypto';
import { requireProgram } from './programs.ts';
import { freePort, removeFolder, serverProcess, temporaryFolder, type ServerProcess } from './server-process.ts';

/** Debian's Redis server; the tests that need it skip without it. */
export const redisProgram = requireProgram('redis-server', {
  install: "Debian's redis-server package (apt-get install redis-server)",
});

/** How many logical databases the server has, so each test can have an empty one. */
const DATABASES = 64;

/** A throwaway Redis server on a loopback port, with a password; its data lasts until it is closed. */
export interface RedisServer {
  readonly port: number;
  /** The `requirepass` password, which every {@link url} carries. */
  readonly password: string;
  /** `redis://:<password>@127.0.0.1:<port>/<database>`. */
  url(database?: number): string;
  /** A logical database no other caller got, empty, by URL. */
  createDatabase(): Promise<string>;
  /** Stops the server, keeping its data (an append-only file); {@link restart} brings it back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts `redis-server` for the test: bound to 127.0.0.1 on a free port, `requirepass`, no RDB
 * snapshots but an append-only file, its working folder a temporary one.
 *
 * @example
 * const server = await startRedis();
 * after(() => server.close());
 * const store = new RedisStore(parseStoreUrl(await server.createDatabase()));
 */
export async function startRedis(): Promise<RedisServer> {
  const folder = temporaryFolder('redis');
  const password = randomBytes(12).toString('hex');
  let port = 0;
  let server: ServerProcess | undefined;
  for (let attempt = 0; server === undefined; attempt++) {
    port = await freePort();
    const candidate = serverProcess({
      name: 'Redis',
      command: [
        redisProgram.path(),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        // An append-only file in the test's folder, so a restart keeps the data, as a real
        // deployment's would (a store that comes back empty is another test).
        '--appendonly',
        'yes',
        '--requirepass',
        password,
        '--databases',
        String(DATABASES),
        '--dir',
        folder,
        '--logfile',
        '',
      ],
      ready: /Ready to accept connections/,
      stopSignal: 'SIGTERM',
    });
    try {
      await candidate.start();
      server = candidate;
    } catch (error) {
      // Another process took the port between freePort() and the bind.
      if (attempt >= 2 || !/Address already in use/.test(String(error))) throw error;
    }
  }
  const running = server;
  let databases = 0;
  const url = (database = 0): string => `redis://:${password}@127.0.0.1:${port}/${database}`;
  return {
    port,
    password,
    url,
    createDatabase() {
      if (++databases >= DATABASES) return Promise.reject(new Error(`only ${DATABASES} Redis databases`));
      return Promise.resolve(url(databases));
    },
    stop: () => running.stop(),
    restart: () => running.start(),
    async close() {
      await running.stop();
      removeFolder(folder);
    },
  };
}
