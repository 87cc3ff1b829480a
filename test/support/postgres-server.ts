import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { requireProgram } from './programs.ts';
import {
  freePort,
  guarded,
  removeFolder,
  runningAsRoot,
  serverProcess,
  temporaryFolder,
  type ServerProcess,
} from './server-process.ts';

const DEBIAN_FOLDERS = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .filter((version) => /^\d+$/.test(version))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => `/usr/lib/postgresql/${version}/bin`)
  : [];

/** Debian's PostgreSQL server, which keeps its programs off PATH; the tests that need it skip without it. */
export const postgresProgram = requireProgram('postgres', {
  install: "Debian's postgresql package (apt-get install postgresql)",
  folders: DEBIAN_FOLDERS,
});

/** The role the tests connect as: password authentication, so its password can be checked for leaks. */
const ROLE = 'runproof';

/** A throwaway PostgreSQL cluster on a loopback port. */
export interface PostgresServer {
  readonly port: number;
  /** The password of the `runproof` role, which every {@link url} carries. */
  readonly password: string;
  /** `postgres://runproof:<password>@127.0.0.1:<port>/<database>`. */
  url(database?: string): string;
  /** A new, empty database, by URL. */
  createDatabase(): Promise<string>;
  /** Stops the server, keeping its data: {@link restart} brings it back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/**
 * Starts a cluster made for the test: `initdb` in a temporary folder (owned by the `postgres` user
 * when the tests run as root, which PostgreSQL refuses to run as), TCP on 127.0.0.1 only, no fsync.
 * The superuser `postgres` is trusted on 127.0.0.1; the `runproof` role needs its password.
 *
 * @example
 * const server = await startPostgres();
 * after(() => server.close());
 * const store = new PostgresStore(parseStoreUrl(await server.createDatabase()));
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = dirname(realpathSync(postgresProgram.path()));
  const folder = temporaryFolder('postgres');
  const data = join(folder, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (runningAsRoot()) {
    const { uid, gid } = systemUser('postgres');
    chownSync(folder, uid, gid);
    chownSync(data, uid, gid);
  }
  const [program, ...args] = guarded(
    [join(bin, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { user: 'postgres', deathSignal: 'SIGKILL' },
  );
  const initdb = spawnSync(program!, args, { encoding: 'utf8', timeout: 60_000 });
  if (initdb.status !== 0)
    throw new Error(`initdb failed (${initdb.status ?? initdb.signal}):\n${initdb.stdout}${initdb.stderr}`);
  writeFileSync(
    join(data, 'pg_hba.conf'),
    ['host all postgres 127.0.0.1/32 trust', `host all all 127.0.0.1/32 scram-sha-256`, ''].join('\n'),
  );

  const password = randomBytes(12).toString('hex');
  let port = 0;
  let server: ServerProcess | undefined;
  for (let attempt = 0; server === undefined; attempt++) {
    port = await freePort();
    const candidate = serverProcess({
      name: 'PostgreSQL',
      command: [
        join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      user: 'postgres',
      ready: /database system is ready to accept connections/,
      stopSignal: 'SIGINT',
    });
    try {
      await candidate.start();
      server = candidate;
    } catch (error) {
      // Another process took the port between freePort() and the bind.
      if (attempt >= 2 || !/could not (bind|create listen socket)/.test(String(error))) throw error;
    }
  }
  const running = server;

  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${password}'`);
  await admin.end();

  let databases = 0;
  const url = (database = 'postgres'): string => `postgres://${ROLE}:${password}@127.0.0.1:${port}/${database}`;
  return {
    port,
    password,
    url,
    async createDatabase() {
      const name = `runproof_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop: () => running.stop(),
    restart: () => running.start(),
    async close() {
      await running.stop();
      removeFolder(folder);
    },
  };
}

/** A user's ids, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } {
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
  if (entry === undefined)
    throw new Error(`running as root, PostgreSQL needs the ${name} user that Debian's postgresql package creates`);
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}
