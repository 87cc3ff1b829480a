import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from './programs.ts';

/**
 * A database server a test file starts on a loopback port: its own process group, stopped by the
 * test, killed when the test process exits, and — through `setpriv --pdeathsig` — also when the
 * test process is SIGKILLed and no exit hook runs. Its temporary folder is removed when it is
 * closed; folders left by a killed test process are removed by the next one.
 */
export interface ServerProcessOptions {
  /** What the server is, for messages: `PostgreSQL`. */
  name: string;
  /** The program and its arguments. */
  command: string[];
  /** Run as this user (by name) when the test runs as root. */
  user?: string;
  /** The line the server prints once it accepts connections. */
  ready: RegExp;
  /** The signal that stops it cleanly (SIGINT for PostgreSQL's fast shutdown). */
  stopSignal: NodeJS.Signals;
  timeoutMs?: number;
}

/** A running (or stopped) server process. */
export interface ServerProcess {
  readonly running: boolean;
  /** Everything it printed, for failure messages. */
  readonly output: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const setpriv = requireProgram('setpriv', { install: "Debian's util-linux package", folders: ['/usr/bin', '/bin'] });
const live = new Set<ChildProcess>();
const folders = new Set<string>();

process.on('exit', () => {
  for (const child of live) killGroup(child);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A temporary folder named after this test process, removed at exit. Folders of the same `kind`
 * whose process is gone (a SIGKILLed test run) are removed first.
 */
export function temporaryFolder(kind: string): string {
  const prefix = `runproof-${kind}-`;
  for (const entry of readdirSync(tmpdir())) {
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    if (entry.startsWith(prefix) && Number.isInteger(pid) && !isAlive(pid))
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
  const folder = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  folders.add(folder);
  return folder;
}

/** Removes a folder made by {@link temporaryFolder}. */
export function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

/** Whether the test runs as root, where servers run as their own user. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The command line that runs `command` as `user` (when root) and ends it with the test process. */
export function guarded(command: string[], options: { user?: string; deathSignal: NodeJS.Signals }): string[] {
  if (setpriv.skip !== false) return command;
  const switchUser =
    options.user !== undefined && runningAsRoot()
      ? [`--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups']
      : [];
  return [setpriv.path(), ...switchUser, `--pdeathsig=${options.deathSignal}`, '--', ...command];
}

/** A server process, not started yet. */
export function serverProcess(options: ServerProcessOptions): ServerProcess {
  let child: ChildProcess | undefined;
  let output = '';
  return {
    get running() {
      return child !== undefined;
    },
    get output() {
      return output;
    },
    async start() {
      const [program, ...args] = guarded(options.command, { user: options.user, deathSignal: options.stopSignal });
      const started = spawn(program!, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      live.add(started);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => fail(new Error(`${options.name} did not start within ${options.timeoutMs ?? 15_000} ms:\n${output}`)),
          options.timeoutMs ?? 15_000,
        );
        const fail = (error: Error): void => {
          clearTimeout(timer);
          killGroup(started);
          reject(error);
        };
        const read = (chunk: Buffer): void => {
          output += chunk.toString();
          if (options.ready.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout.on('data', read);
        started.stderr.on('data', read);
        started.on('error', fail);
        started.on('exit', (code, signal) => {
          live.delete(started);
          if (child === started) child = undefined;
          fail(new Error(`${options.name} exited (${signal ?? code}) before it was ready:\n${output}`));
        });
      });
      output = '';
    },
    async stop() {
      const running = child;
      if (running === undefined) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(options.stopSignal);
      const timer = setTimeout(() => killGroup(running), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
