/** The bench's other processes: the simulator, and one child per configuration instance. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildRequest, ChildResponse } from './child.ts';
import { instanceKey, type Instance } from './configurations.ts';

const SIMULATOR_MAIN = fileURLToPath(new URL('../simulator/main.ts', import.meta.url));
const CHILD_MAIN = fileURLToPath(new URL('./child.ts', import.meta.url));
// `gc()` for clean batch starts and heap readings; no bytecode flushing, so start-up code being
// dropped over the run does not show up as negative heap growth.
const CHILD_FLAGS = ['--expose-gc', '--no-flush-bytecode'];

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `test/simulator/main.ts` with no chunk delay and no recording; resolves once it prints its URL. */
export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [SIMULATOR_MAIN, '--port', '0', '--chunk-delay-ms', '0', '--no-record'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^SIMULATOR_URL=(.+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before printing its URL`)));
  });
  return { url, stop: () => stopProcess(child, 'SIGTERM') };
}

export interface ChildOptions {
  simulatorUrl: string;
  callsPerRun: number;
  content: boolean;
  /** Extra Node flags for every child, for diagnosis (e.g. `--single-threaded-gc`). */
  nodeFlags: string[];
}

/** A configuration's process: one request in flight at a time. */
export class ConfigurationProcess {
  readonly instance: Instance;
  openaiVersion = '';
  private readonly child: ChildProcess;
  private pending: { resolve: (response: ChildResponse) => void; reject: (error: Error) => void } | undefined;
  private readonly ready: Promise<void>;

  constructor(instance: Instance, options: ChildOptions) {
    this.instance = instance;
    const args = [
      '--configuration', instance.configuration.id,
      '--openai', String(instance.openai),
      '--simulator-url', options.simulatorUrl,
      '--calls-per-run', String(options.callsPerRun),
    ];
    if (options.content) args.push('--content');
    this.child = fork(CHILD_MAIN, args, { execArgv: [...CHILD_FLAGS, ...options.nodeFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.pending = {
        resolve: (response) => {
          if (response.type === 'ready') this.openaiVersion = response.openaiVersion;
          resolve();
        },
        reject,
      };
    });
    this.child.on('message', (response: ChildResponse) => {
      const pending = this.pending;
      this.pending = undefined;
      if (pending === undefined) return;
      if (response.type === 'error') pending.reject(new Error(`${instanceKey(instance)}: ${response.message}`));
      else pending.resolve(response);
    });
    this.child.once('exit', (code, signal) => {
      this.pending?.reject(new Error(`${instanceKey(instance)} exited (${code ?? signal}) during a request`));
      this.pending = undefined;
    });
  }

  waitUntilReady(): Promise<void> {
    return this.ready;
  }

  async request<Type extends ChildResponse['type']>(request: ChildRequest, type: Type): Promise<Extract<ChildResponse, { type: Type }>> {
    await this.ready;
    if (this.pending !== undefined) throw new Error(`${instanceKey(this.instance)}: a request is already in flight`);
    const response = await new Promise<ChildResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    });
    if (response.type !== type) throw new Error(`${instanceKey(this.instance)}: expected a ${type} response, got ${response.type}`);
    return response as Extract<ChildResponse, { type: Type }>;
  }

  /** Asks the child to exit (it flushes first); kills it after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ChildRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
