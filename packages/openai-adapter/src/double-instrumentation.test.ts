import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isForeignWrapper, peelForeignWrappers, RUNPROOF_PATCH } from './double-instrumentation.ts';

/** A wrapper as shimmer (`@opentelemetry/instrumentation`'s `_wrap`) makes one. */
function shimmerWrap(original: Function): Function {
  const wrapped = function wrapper(this: unknown, ...args: unknown[]): unknown {
    return original.apply(this, args);
  };
  Object.defineProperty(wrapped, '__original', { value: original, configurable: true, writable: true });
  Object.defineProperty(wrapped, '__unwrap', { value: () => {}, configurable: true, writable: true });
  Object.defineProperty(wrapped, '__wrapped', { value: true, configurable: true, writable: true });
  return wrapped;
}

test("a shimmer-wrapped function is another instrumentation's wrapper; a plain one is not", () => {
  const create = function create(): void {};
  assert.equal(isForeignWrapper(create), false);
  assert.equal(isForeignWrapper(shimmerWrap(create)), true);
  assert.equal(isForeignWrapper(undefined), false);
});

test("a Runproof wrapper is never another instrumentation's, even with shimmer markers", () => {
  const ours = shimmerWrap(function create(): void {});
  Object.defineProperty(ours, RUNPROOF_PATCH, { value: {} });
  assert.equal(isForeignWrapper(ours), false);
});

test("peeling follows __original through every other wrapper and stops at Runproof's", () => {
  const create = function create(): void {};
  assert.equal(peelForeignWrappers(shimmerWrap(shimmerWrap(create))), create);
  const ours = function runproofCreate(): void {};
  Object.defineProperty(ours, RUNPROOF_PATCH, { value: {} });
  assert.equal(peelForeignWrappers(shimmerWrap(ours)), ours);
});
