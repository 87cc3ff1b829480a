import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';

// An app outside the workspace installs the packed tarballs from `npm pack`, plus the libraries it
// uses from the registry, as a user would, and runs zero-code under --import @runproof/core/register.
const root = fileURLToPath(new URL('../..', import.meta.url));
const appDirectory = mkdtempSync(join(tmpdir(), 'runproof-packed-app-'));
let receiver: OtlpReceiver;
let simulator: Simulator;

/** The versions the workspace tests with, so the app installs from the local npm cache. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

before(
  async () => {
    receiver = await startOtlpReceiver();
    simulator = await startSimulator({ chunkDelayMs: 0 });
    const packDirectory = mkdtempSync(join(tmpdir(), 'runproof-tarballs-'));
    execFileSync(
      'npm',
      [
        'pack',
        '--silent',
        '--pack-destination',
        packDirectory,
        '-w',
        '@runproof/core',
        '-w',
        '@runproof/openai-adapter',
        '-w',
        '@runproof/langchain-adapter',
      ],
      { cwd: root, stdio: 'pipe' },
    );
    const tarballs = readdirSync(packDirectory).map((name) => join(packDirectory, name));
    const libraries = ['openai', '@langchain/core', '@langchain/openai', 'langchain', 'zod', '@opentelemetry/api'].map(
      (name) => `${name}@${installedVersion(name)}`,
    );
    writeFileSync(
      join(appDirectory, 'package.json'),
      JSON.stringify({ name: 'packed-app', private: true, version: '1.0.0' }),
    );
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, ...libraries],
      { cwd: appDirectory, stdio: 'pipe' },
    );
    cpSync(join(root, 'test/packaging/start-in-code.cjs'), join(appDirectory, 'start-in-code.cjs'));
    for (const file of [
      'core/apps/workflow.mjs',
      'core/apps/workflow.cjs',
      'openai/apps/app.mjs',
      'openai/apps/app.cjs',
      'openai/apps/workload.mjs',
      'langchain/apps/agent.mjs',
      'langchain/apps/agent.cjs',
    ]) {
      cpSync(join(root, 'test', file), join(appDirectory, file.split('/').at(-1)!));
    }
  },
  { timeout: 300_000 },
);
after(async () => {
  await receiver.close();
  await simulator.close();
});

async function runPacked(file: string, serviceName: string): Promise<{ stdout: string; spans: ReceivedSpan[] }> {
  const result = await runApp(join(appDirectory, file), {
    cwd: appDirectory,
    args: ['--import', '@runproof/core/register'],
    env: { OTEL_SERVICE_NAME: serviceName, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SIMULATOR_URL: simulator.url },
  });
  assert.equal(result.code, 0, result.stderr);
  // The exporter flushed on exit; give the receiver a moment to decode the last request.
  const spans = await receiver.waitFor(
    (received) => received.some((span) => span.resource['service.name'] === serviceName),
    10_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { stdout: result.stdout, spans: spans.filter((span) => span.resource['service.name'] === serviceName) };
}

test('the packages installed from tarballs are real copies, not links into the workspace', () => {
  for (const name of ['core', 'openai-adapter', 'langchain-adapter']) {
    assert.equal(lstatSync(join(appDirectory, 'node_modules/@runproof', name)).isSymbolicLink(), false, name);
  }
});

for (const file of ['workflow.mjs', 'workflow.cjs']) {
  test(`packed: ${file} runs and its run arrives over OTLP with the run attributes`, async () => {
    const { stdout, spans } = await runPacked(file, `packed-${file}`);
    const { runId } = JSON.parse(stdout) as { runId: string };
    const mine = spans.filter((span) => span.attributes['runproof.run.id'] === runId);
    assert.deepEqual(mine.map((span) => span.name).sort(), [
      'invoke_workflow invoice-triage',
      'parse pdf',
      'step classify',
      'step extract',
    ]);
    const rootSpan = mine.find((span) => span.name === 'invoke_workflow invoice-triage');
    assert.equal(rootSpan?.attributes['runproof.run.outcome'], 'completed');
    assert.match(String(rootSpan?.attributes['runproof.run.fingerprint']), /^[0-9a-f]{64}$/);
  });
}

for (const file of ['app.mjs', 'app.cjs']) {
  test(`packed: the openai ${file} is instrumented with no code change`, async () => {
    const { spans } = await runPacked(file, `packed-openai-${file}`);
    const chat = spans.find(
      (span) => span.name === 'chat gpt-4o-mini' && span.attributes['openai.api.type'] === 'chat_completions',
    );
    assert.ok(chat, `spans: ${spans.map((span) => span.name).join(', ')}`);
    assert.equal(chat.kind, 'SPAN_KIND_CLIENT');
    assert.equal(chat.attributes['gen_ai.provider.name'], 'openai');
    assert.match(String(chat.attributes['runproof.call.fingerprint']), /^[0-9a-f]{64}$/);
    assert.ok(spans.some((span) => span.name.startsWith('embeddings ')));
  });
}

for (const file of ['agent.mjs', 'agent.cjs']) {
  test(`packed: the LangChain ${file} agent is traced with one span per model call`, async () => {
    const { stdout, spans } = await runPacked(file, `packed-langchain-${file}`);
    assert.ok((JSON.parse(stdout) as { answer: string }).answer.length > 0);
    const agent = spans.find((span) => span.name === 'invoke_agent weather_agent');
    assert.ok(agent, `spans: ${spans.map((span) => span.name).join(', ')}`);
    const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
    assert.equal(chats.length, 2, 'two model calls (tool call, then answer), one span each');
    assert.ok(chats.every((span) => span.attributes['gen_ai.usage.input_tokens'] !== undefined));
    assert.ok(spans.every((span) => span.traceId === agent.traceId));
    const tool = spans.find((span) => span.name === 'execute_tool get_weather');
    assert.equal(spans.find((span) => span.name === 'lookup forecast')?.parentSpanId, tool?.spanId);
  });
}

test('packed: a CommonJS app calling start() in code, then requiring openai, traces its calls in the run', async () => {
  const result = await runApp(join(appDirectory, 'start-in-code.cjs'), {
    cwd: appDirectory,
    env: { SERVICE_NAME: 'packed-start-cjs', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SIMULATOR_URL: simulator.url },
  });
  assert.equal(result.code, 0, result.stderr);
  const { runId } = JSON.parse(result.stdout) as { runId: string };
  const spans = await receiver.waitFor(
    (received) => received.filter((span) => span.attributes['runproof.run.id'] === runId).length === 2,
  );
  const chat = spans.find((span) => span.attributes['runproof.run.id'] === runId && span.name === 'chat gpt-4o-mini');
  assert.equal(chat?.resource['service.name'], 'packed-start-cjs');
  assert.match(String(chat?.attributes['runproof.call.fingerprint']), /^[0-9a-f]{64}$/);
});

test('packed: a zero-code app signs its runs with RUNPROOF_SIGNING_KEY_FILE, and the installed runproof verify checks them', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(appDirectory, 'signing-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(appDirectory, 'signing-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const result = await runApp(join(appDirectory, 'workflow.mjs'), {
    cwd: appDirectory,
    args: ['--import', '@runproof/core/register'],
    env: {
      OTEL_TRACES_EXPORTER: 'file',
      RUNPROOF_TRACES_FILE: join(appDirectory, 'signed.json'),
      RUNPROOF_SIGNING_KEY_FILE: join(appDirectory, 'signing-key.pem'),
    },
  });
  assert.equal(result.code, 0, result.stderr);
  // What `npx runproof` runs: the bin of the installed package.
  const bin = join(
    appDirectory,
    'node_modules/@runproof/core',
    (
      JSON.parse(readFileSync(join(appDirectory, 'node_modules/@runproof/core/package.json'), 'utf8')) as {
        bin: { runproof: string };
      }
    ).bin.runproof,
  );
  const verified = await runApp(bin, {
    cwd: appDirectory,
    scriptArgs: ['verify', 'signed.json', '--key', 'signing-key.pub.pem'],
  });
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, /^1 run: 1 verified, 0 failed$/m);
});
