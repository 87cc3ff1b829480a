/** The bench's other processes: the simulator, and one child per configuration (IPC, one request at a time). */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildRequest, ChildResponse } from './child.ts';
import { instanceKey, type Instance } from './configurations.ts';

const SIMULATOR_MAIN = fileURLToPath(new URL('../simulator/main.ts', import.meta.url));
const CHILD_MAIN = fileURLToPath(new URL('./child.ts', import.meta.url));
// `gc()` for clean batch starts and heap readings; no bytecode flushing, so start-up code being
// dropped over the run does not show up as negative heap growth; a young generation of fixed size
// (16 MB semi-spaces, what V8 grows to under a steady allocation rate anyway): left to resize
// itself, it made every configuration drift 10–30% over the rounds, more than the costs compared.
const CHILD_FLAGS = ['--expose-gc', '--no-flush-bytecode', '--min-semi-space-size=16', '--max-semi-space-size=16'];

export interface SimulatorProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts `test/simulator/main.ts` with no chunk delay and no recording; resolves once it prints its URL. */
export async function startSimulatorProcess(): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [SIMULATOR_MAIN, '--port', '0', '--chunk-delay-ms', '0', '--no-record'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^SIMULATOR_URL=(.+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before printing its URL`)));
  });
  return { url, stop: () => stopProcess(child, 'SIGTERM') };
}

/** The messages every bench child understands besides its own: it says `ready`, answers `error`, obeys `exit`. */
interface ChildProtocol {
  request: { type: string };
  response: { type: string };
}

/**
 * A forked bench child (`main`, with `args`): one request in flight at a time. The child sends
 * one message when it is ready, then one response per request; `{ type: 'exit' }` makes it flush
 * and exit.
 */
export class BenchProcess<Protocol extends ChildProtocol> {
  readonly name: string;
  private readonly child: ChildProcess;
  private pending: { resolve: (response: Protocol['response']) => void; reject: (error: Error) => void } | undefined;
  private readonly ready: Promise<Protocol['response']>;

  constructor(name: string, main: string, args: string[], nodeFlags: readonly string[] = []) {
    this.name = name;
    this.child = fork(main, args, {
      execArgv: [...CHILD_FLAGS, ...nodeFlags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => (this.pending = { resolve, reject }));
    this.child.on('message', (response: Protocol['response'] | { type: 'error'; message: string }) => {
      const pending = this.pending;
      this.pending = undefined;
      if (pending === undefined) return;
      if (response.type === 'error') pending.reject(new Error(`${name}: ${(response as { message: string }).message}`));
      else pending.resolve(response);
    });
    this.child.once('exit', (code, signal) => {
      this.pending?.reject(new Error(`${name} exited (${code ?? signal}) during a request`));
      this.pending = undefined;
    });
  }

  /** The child's first message. */
  waitUntilReady(): Promise<Protocol['response']> {
    return this.ready;
  }

  async request<Type extends Protocol['response']['type']>(
    request: Protocol['request'],
    type: Type,
  ): Promise<Extract<Protocol['response'], { type: Type }>> {
    await this.ready;
    if (this.pending !== undefined) throw new Error(`${this.name}: a request is already in flight`);
    const response = await new Promise<Protocol['response']>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    });
    if (response.type !== type) throw new Error(`${this.name}: expected a ${type} response, got ${response.type}`);
    return response as Extract<Protocol['response'], { type: Type }>;
  }

  /** Asks the child to exit (it flushes first); kills it after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** How every OpenAI configuration process is started. */
export interface ChildOptions {
  /** `http`: a real client against the simulator at `simulatorUrl`; `canned`: a custom `fetch` with canned responses. */
  transport: 'http' | 'canned';
  simulatorUrl: string;
  callsPerRun: number;
  content: boolean;
  /** Extra Node flags for every child, for diagnosis (e.g. `--single-threaded-gc`). */
  nodeFlags: string[];
}

/** An OpenAI configuration on one `openai` major, in its own process (`child.ts`). */
export class ConfigurationProcess extends BenchProcess<{ request: ChildRequest; response: ChildResponse }> {
  readonly instance: Instance;
  openaiVersion = '';

  constructor(instance: Instance, options: ChildOptions) {
    const args = [
      '--configuration',
      instance.configuration.id,
      '--openai',
      String(instance.openai),
      '--transport',
      options.transport,
      '--simulator-url',
      options.simulatorUrl,
      '--calls-per-run',
      String(options.callsPerRun),
    ];
    if (options.content) args.push('--content');
    super(instanceKey(instance), CHILD_MAIN, args, options.nodeFlags);
    this.instance = instance;
  }

  override async waitUntilReady(): Promise<ChildResponse> {
    const ready = await super.waitUntilReady();
    if (ready.type === 'ready') this.openaiVersion = ready.openaiVersion;
    return ready;
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
