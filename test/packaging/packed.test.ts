import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

// An app outside the workspace installs the packed tarballs from npm pack, as a user would.
const root = fileURLToPath(new URL('../..', import.meta.url));
const appDirectory = mkdtempSync(join(tmpdir(), 'runproof-packed-app-'));
let receiver: OtlpReceiver;

before(async () => {
  receiver = await startOtlpReceiver();
  const packDirectory = mkdtempSync(join(tmpdir(), 'runproof-tarballs-'));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['pack', '--silent', '--pack-destination', packDirectory, '-w', '@runproof/core', '-w', '@runproof/openai-adapter'], { cwd: root, stdio: 'pipe' });
  const tarballs = readdirSync(packDirectory).map((name) => join(packDirectory, name));
  writeFileSync(join(appDirectory, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, version: '1.0.0' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], { cwd: appDirectory, stdio: 'pipe' });
  for (const file of ['workflow.mjs', 'workflow.cjs']) cpSync(join(root, 'test/core/apps', file), join(appDirectory, file));
}, { timeout: 180_000 });
after(() => receiver.close());

for (const file of ['workflow.mjs', 'workflow.cjs']) {
  test(`an app installed from the packed tarballs (${file}) runs with --import @runproof/core/register and its run arrives over OTLP`, async () => {
    const result = await runApp(join(appDirectory, file), {
      cwd: appDirectory,
      args: ['--import', '@runproof/core/register'],
      env: { OTEL_SERVICE_NAME: 'packed-app', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    assert.equal(result.code, 0, result.stderr);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    const spans = await receiver.waitFor((received) => received.filter((span) => span.attributes['runproof.run.id'] === runId).length === 4);
    const root = spans.find((span) => span.attributes['runproof.run.id'] === runId && span.name === 'invoke_workflow invoice-triage');
    assert.equal(root?.attributes['runproof.run.outcome'], 'completed');
    assert.match(String(root?.attributes['runproof.run.fingerprint']), /^[0-9a-f]{64}$/);
    assert.equal(root?.resource['service.name'], 'packed-app');
    // The packages are real copies in the app's node_modules, not links into the workspace.
    assert.equal(lstatSync(join(appDirectory, 'node_modules/@runproof/core')).isSymbolicLink(), false);
  });
}
