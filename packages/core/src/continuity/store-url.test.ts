import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, openRunStore, run, StoreUnavailableError } from '@runproof/core';
import { createTestHarness } from '@runproof/core/testing';

const harness = createTestHarness();

test('a store URL never shows its secrets: the password and secret query parameters are masked where the store is named', async () => {
  for (const [url, shown] of [
    ['postgres://runproof:hunter2@127.0.0.1:1/db', 'postgres://runproof:***@127.0.0.1:1/db'],
    [
      'postgres://runproof@127.0.0.1:1/db?password=hunter2&sslmode=disable',
      'postgres://runproof@127.0.0.1:1/db?password=***&sslmode=disable',
    ],
    ['redis://:hunter%32@127.0.0.1:1/0', 'redis://:***@127.0.0.1:1/0'],
  ]) {
    harness.useDurability({ store: url });
    await assert.rejects(
      run({ name: 'x', id: 'x', durable: true }, () => 1),
      (error) => {
        assert.ok(StoreUnavailableError.isInstance(error), String(error));
        assert.ok(error.message.startsWith(`The run store ${shown} is unavailable: `), error.message);
        assert.ok(!error.message.includes('hunter2'), error.message);
        return true;
      },
    );
  }
});

test('a malformed store URL is a ConfigError naming the field, never a URIError', async () => {
  await assert.rejects(
    openRunStore('redis://:p%zzword@127.0.0.1:1/0'),
    (error) =>
      ConfigError.isInstance(error) &&
      /store: not a valid redis URL: a password holds a %/.test(error.message) &&
      !error.message.includes('zzword'),
  );
  await assert.rejects(
    openRunStore('mysql://db'),
    (error) => ConfigError.isInstance(error) && /expected a store URL starting with sqlite:/.test(error.message),
  );
});
