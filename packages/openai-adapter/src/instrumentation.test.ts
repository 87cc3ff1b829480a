import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createInstrumentation } from './instrumentation.ts';
import { isSupportedOpenAIVersion } from './version.ts';

test('supported openai versions are majors 5, 6 and 7', () => {
  assert.deepEqual(['4.104.0', '5.0.0', '6.49.0', '7.57.0', '7.0.0-beta.1', '8.0.0'].map(isSupportedOpenAIVersion), [
    false,
    true,
    true,
    true,
    true,
    false,
  ]);
});

test('an unsupported openai version gets one clear diag warning and is left unpatched', () => {
  const warnings: string[] = [];
  diag.setLogger(
    {
      warn: (message) => void warnings.push(message),
      error: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const instrumentation = createInstrumentation({ enabled: false });
  const create = function create(): void {};
  class Completions {}
  Object.defineProperty(Completions.prototype, 'create', { value: create, writable: true, configurable: true });
  const exports = { OpenAI: Object.assign(class OpenAI {}, { Chat: { Completions } }) };
  const [definition] = instrumentation.getModuleDefinitions();
  definition!.patch!(exports, '4.104.0');
  definition!.patch!(exports, '4.104.0');
  assert.equal((Completions.prototype as { create: unknown }).create, create);
  assert.deepEqual(warnings, [
    'runproof: openai 4.104.0 is not supported by @runproof/openai-adapter 0.1.0 (supported: >=5 <8); its calls will not be traced',
  ]);
  diag.disable();
});
