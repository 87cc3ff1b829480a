import { context, type Context } from '@opentelemetry/api';
import { safely } from '@runproof/core/adapter';
import { OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS } from '@runproof/core/semconv';
import { observeResult } from './api-promise.ts';
import { CALL_KEY } from './call-context.ts';
import { logFailure, ModelCall } from './model-call.ts';
import { callMode, patchMethod } from './patch.ts';
import type { RequestBody, Surface } from './surface.ts';
import type { TelemetrySource } from './telemetry-source.ts';
import { recordOr } from './values.ts';

/**
 * Wraps a resource's `create` (on its prototype) so each call is one span: started before the
 * request, with the request running in the call's context, and the SDK's `APIPromise` returned
 * observed (see `observeResult`). Anything unexpected falls back to calling the SDK untouched.
 */
export function patchCreate(
  prototype: object | undefined,
  surface: Surface,
  source: TelemetrySource,
  library: string,
): boolean {
  if (prototype === undefined || prototype === null) return false;
  return patchMethod(prototype, 'create', surface.method, (record) => {
    const original = record.original;
    return function runproofCreate(this: unknown, body: unknown, options?: unknown): unknown {
      const parent = context.active();
      // Already inside a recorded call (one wrapper calling another), or a body we cannot read.
      if (parent.getValue(CALL_KEY) !== undefined || body === null || typeof body !== 'object')
        return Reflect.apply(original, this, arguments);
      const mode = callMode(record);
      if (mode === 'off') return Reflect.apply(original, this, arguments);
      const call = startCall(surface, source, library, body as RequestBody, this, options, parent, mode === 'record');
      if (call === undefined) return Reflect.apply(original, this, arguments);
      try {
        call.guard();
      } catch (halt) {
        // A boundary `halt`: nothing is sent, and the caller gets the error the way the SDK
        // delivers every failure, as a rejection of the returned promise.
        return rejectedAPIPromise(halt);
      }
      const sent = source.includeStreamUsageOption()
        ? safely('asking for the usage of a stream', undefined, () => withStreamUsage(surface, body as RequestBody))
        : undefined;
      let result: unknown;
      try {
        result = context.with(
          call.context,
          Reflect.apply,
          undefined,
          original,
          this,
          sent === undefined ? arguments : [sent, options],
        );
      } catch (error) {
        call.fail(error);
        throw error;
      }
      return call.passive ? result : observeResult(call, result);
    };
  });
}

/**
 * A rejected promise with the `APIPromise` methods callers and the SDK's helpers chain
 * (`withResponse()`, `asResponse()`, `parse()`, `_thenUnwrap()`), each rejecting with the same error. It is marked handled so a caller that only
 * uses `withResponse()` gets no unhandled-rejection warning for the base promise.
 */
function rejectedAPIPromise(error: unknown): Promise<never> {
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  return Object.assign(rejected, {
    withResponse: () => Promise.reject(error),
    asResponse: () => Promise.reject(error),
    parse: () => Promise.reject(error),
    // The SDK's `parse()` helpers chain on `_thenUnwrap`: they get the same rejection.
    _thenUnwrap: () => rejectedAPIPromise(error),
  });
}

/**
 * The body to send instead of the caller's when the `includeStreamUsage` option is on: a copy
 * asking for the usage of a streamed chat completion; `undefined` when there is nothing to add
 * (not streamed, not chat completions, or the caller set `include_usage` either way).
 */
function withStreamUsage(surface: Surface, body: RequestBody): RequestBody | undefined {
  if (surface.apiType !== OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS || body.stream !== true) return undefined;
  const streamOptions = recordOr(body.stream_options);
  if (streamOptions?.include_usage !== undefined) return undefined;
  return { ...body, stream_options: { ...streamOptions, include_usage: true } };
}

function startCall(
  surface: Surface,
  source: TelemetrySource,
  library: string,
  body: RequestBody,
  resource: unknown,
  options: unknown,
  parent: Context,
  withSpan: boolean,
): ModelCall | undefined {
  try {
    return new ModelCall(surface, source, library, body, resource, options, parent, withSpan);
  } catch (error) {
    logFailure(`starting a span for openai ${surface.method}`, error);
    return undefined;
  }
}
