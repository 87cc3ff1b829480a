import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { run, RunproofError, tool } from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();
beforeEach(() => harness.reset());

test('a wrapped method keeps its object: the tool runs with the this it was called with', async () => {
  class VendorDirectory {
    readonly vendors = new Map([['v-1', 'ACME']]);
    lookup = tool('lookup_vendor', function (this: VendorDirectory, id: string) {
      return this.vendors.get(id);
    });
  }
  const directory = new VendorDirectory();
  assert.equal(await directory.lookup('v-1'), 'ACME');
  assert.equal(
    await directory.lookup.call({ vendors: new Map([['v-1', 'Initech']]) } as VendorDirectory, 'v-1'),
    'Initech',
  );
  assert.deepEqual(
    harness.spans().map((span) => [span.name, span.status.code]),
    [
      ['execute_tool lookup_vendor', SpanStatusCode.UNSET],
      ['execute_tool lookup_vendor', SpanStatusCode.UNSET],
    ],
  );
});

test('what is not a tool fails when it is wrapped, with a RunproofError naming what is wrong, not when it is first called', () => {
  const invalid = (code: string, message: string) => (error: unknown) =>
    RunproofError.isInstance(error) && error.code === code && error.message === message;
  const argument = (message: string) => invalid('RUNPROOF_INVALID_ARGUMENT', message);
  assert.throws(
    () => tool('lookup_vendor', undefined as unknown as () => void),
    argument('tool("lookup_vendor"): the tool must be a function (got undefined)'),
  );
  assert.throws(
    () => tool('lookup_vendor', { lookup() {} } as unknown as () => void),
    argument('tool("lookup_vendor"): the tool must be a function (got an object)'),
  );
  assert.throws(
    () => tool(' ', 'lookup' as unknown as () => void),
    argument('tool(): name must be a non-empty string; the tool must be a function (got a string)'),
  );
  assert.throws(
    () => tool('x'.repeat(257), () => 1),
    argument('tool(): name must be at most 256 characters (got 257)'),
  );
  assert.throws(
    () => tool('lookup_vendor', () => 1, null as unknown as object),
    argument('tool("lookup_vendor"): options must be an object (got null)'),
  );
  assert.throws(
    () => tool('lookup_vendor', () => 1, { mode: 'strict' as 'enforce' }),
    argument('tool("lookup_vendor"): mode must be "record" or "enforce"'),
  );
  assert.throws(
    () => tool('lookup_vendor', () => 1, { arguments: { type: 'object' } as never }),
    invalid(
      'RUNPROOF_INVALID_SCHEMA',
      'tool("lookup_vendor"): arguments must implement Standard Schema v1 (a "~standard" property with validate()), e.g. a Zod 4 schema',
    ),
  );
  assert.deepEqual(harness.spans(), []);
});

test('an arguments schema whose validate() returns a malformed result: a RunproofError naming the checkpoint, the tool not run, its span ended', async () => {
  let ran = 0;
  const malformed = {
    '~standard': { version: 1, vendor: 'test', validate: () => ({ issues: 'vendorId is wrong' }) },
  } as never;
  const lookup = tool('lookup_vendor', (_arguments: { vendorId: string }) => ++ran, { arguments: malformed });
  await assert.rejects(
    lookup({ vendorId: 'v-1' }),
    (error) =>
      RunproofError.isInstance(error) &&
      error.code === 'RUNPROOF_INVALID_SCHEMA' &&
      error.message.startsWith(
        'checkpoint("lookup_vendor.arguments"): the schema\'s validate() returned a malformed result: ',
      ),
  );
  assert.equal(ran, 0);
  const span = harness.span('execute_tool lookup_vendor');
  assert.equal(span.attributes['error.type'], 'RUNPROOF_INVALID_SCHEMA');
  assert.equal(span.status.code, SpanStatusCode.ERROR);
});

test('with capture on, a tool error message is content: it passes the redaction hook and maxContentBytes on the tool and run spans', async () => {
  harness.configure({
    captureContent: true,
    maxContentBytes: 40,
    redact: (text) => text.replaceAll(/\d{4}( \d{4}){3}/g, '[card]'),
  });
  const charge = tool('charge_card', (card: string) => {
    throw new Error(`card ${card} was declined by the issuer, reason: insufficient funds`);
  });
  const thrown = await run('checkout', () => charge('4111 1111 1111 1111')).catch((error: unknown) => error as Error);
  assert.equal(thrown.message, 'card 4111 1111 1111 1111 was declined by the issuer, reason: insufficient funds');
  const shown = 'card [card] was declined by the issuer, '; // 40 bytes
  for (const name of ['execute_tool charge_card', 'invoke_workflow checkout']) {
    const span = harness.span(name);
    assert.deepEqual(span.status, { code: SpanStatusCode.ERROR, message: shown }, name);
    const exception = span.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes?.['exception.message'], shown, name);
    assert.equal(
      exception?.attributes?.['exception.stacktrace'],
      `Error: ${shown}${thrown.stack!.slice(thrown.stack!.indexOf('\n    at '))}`,
      name,
    );
  }
});

test('a thrown value that is not an Error is data: withheld without capture, with its type', async () => {
  const failing = tool('lookup_vendor', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the contract under test: a thrown non-Error value
    throw 'vendor ACME owes 1,280.50';
  });
  await assert.rejects(failing(), (error) => error === 'vendor ACME owes 1,280.50');
  const span = harness.span('execute_tool lookup_vendor');
  assert.equal(span.attributes['error.type'], '_OTHER');
  assert.deepEqual(span.status, {
    code: SpanStatusCode.ERROR,
    message: 'message withheld: it may quote content (prompts, model output, tool data) and content capture is off',
  });
  assert.deepEqual(span.events, []);
});
