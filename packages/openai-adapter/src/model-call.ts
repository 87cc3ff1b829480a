import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  activeRunId,
  claimModelSpan,
  closeCall,
  openCall,
  isCancellation,
  markCancelled,
  detectDrift,
  genAIMetricAttributes,
  guardModelCall,
  isGuarded,
  keepShapes,
  markError,
  recordContent,
  recordGenAIMetrics,
  recordStreamMetrics,
  releaseModelSpan,
  reportCall,
  reportObserved,
  safely,
  type BoundaryTicket,
  type OpenCall,
} from '@runproof/core/adapter';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_REQUEST_ID,
  ATTR_RUNPROOF_CALL_ATTEMPTS,
  ATTR_RUNPROOF_CALL_FINGERPRINT,
  ATTR_RUNPROOF_INPUT_DIGEST,
  ATTR_RUNPROOF_OUTPUT_SHAPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_VALUE_INVALID_RESPONSE,
  GEN_AI_PROVIDER_VALUE_OPENAI,
} from '@runproof/core/semconv';
import { endpointOf, writeOutputAttributes, type ServerEndpoint } from './attributes.ts';
import { declaredConditions } from './call-conditions.ts';
import { chatSurface } from './chat.ts';
import { CALL_KEY, type CallAttempts } from './call-context.ts';
import { digestSentBody, digestShape } from './conditions.ts';
import {
  describeNonEventStream,
  describeNonJsonBody,
  describeNonJsonResult,
  markInvalidResponse,
  type ResponseHeaders,
} from './invalid-response.ts';
import { shouldCaptureContent } from './content.ts';
import { recordChecks } from './output-checks.ts';
import { observeStream, type StreamedCall, type StreamObservation } from './stream.ts';
import { CallOutput, type RequestBody, type Surface } from './surface.ts';
import type { TelemetrySource } from './telemetry-source.ts';
import { numberOr, stringOr } from './values.ts';

/**
 * One model call, from `create` to the end of its span: declares its conditions, counts the SDK's
 * HTTP attempts, reads the result (JSON or stream chunks) and ends the span exactly once —
 * success, failure, cancellation, or a stream the caller abandoned. The span starts with the
 * attributes a sampler may decide on (operation, provider, model, server); everything else is
 * gathered in one object and written once, as the span ends.
 */
export class ModelCall implements CallAttempts, OpenCall, StreamedCall {
  /** HTTP attempts the SDK made, counted by the per-attempt hook through {@link CALL_KEY}. */
  attempts = 0;
  readonly span: Span;
  /** The context the SDK's request runs in: the call's span, and the call itself. */
  readonly context: Context;
  /** The span is not recorded and there is no run to report to: nothing else to do. */
  readonly passive: boolean;
  /** The span records: attributes are worth gathering. */
  private readonly recording: boolean;
  /** What the span gets when it ends, in one `setAttributes`: the request's, the call's identity, the response's. */
  private readonly attributes: Attributes = {};
  private readonly surface: Surface;
  private readonly source: TelemetrySource;
  private readonly body: RequestBody;
  private readonly parent: Context;
  private readonly startTime = performance.now();
  private readonly requestModel: string | undefined;
  private readonly endpoint: ServerEndpoint | undefined;
  private readonly capture: boolean;
  /** The caller's own `AbortSignal`: a failure after it fired is a cancellation. */
  readonly userSignal: AbortSignal | undefined;
  private requestId: string | undefined;
  private result: unknown;
  /** Whether the SDK parsed a JSON endpoint's body (its result may still be no JSON object). */
  private parsed = false;
  private responseHeaders: ResponseHeaders | undefined;
  private stream: StreamObservation | undefined;
  private ended = false;
  /** False when the span is a framework's model span (LangChain) that this call enriches: its owner ends it. */
  private readonly ownsSpan: boolean;
  private ticket: BoundaryTicket | undefined;
  /** `ATTR_RUNPROOF_CALL_FINGERPRINT`: drift is judged against earlier calls with the same one. */
  private callFingerprint = '';
  private outputShape: string | undefined;

  /** `withSpan` false: another instrumentation's span stands for this call; it is guarded, counted and measured without a span of its own. */
  constructor(
    surface: Surface,
    source: TelemetrySource,
    library: string,
    body: RequestBody,
    resource: unknown,
    options: unknown,
    parent: Context,
    withSpan = true,
  ) {
    this.surface = surface;
    this.source = source;
    this.body = body;
    this.parent = parent;
    this.requestModel = stringOr(body.model);
    this.endpoint = endpointOf((resource as { _client?: unknown } | null)?._client);
    const signal = (options as { signal?: unknown } | null | undefined)?.signal;
    this.userSignal = signal instanceof AbortSignal ? signal : undefined;

    // At the start, what the conventions ask to have at span creation (a sampler may decide on it).
    const start: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: surface.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_VALUE_OPENAI,
    };
    if (this.requestModel !== undefined) start[ATTR_GEN_AI_REQUEST_MODEL] = this.requestModel;
    if (this.endpoint !== undefined) {
      start[ATTR_SERVER_ADDRESS] = this.endpoint.address;
      start[ATTR_SERVER_PORT] = this.endpoint.port;
    }
    const name = spanName(surface.operation, this.requestModel);
    // Under a framework's model span (LangChain's ChatOpenAI), enrich that span: one span per model
    // call, whichever wrapper the call came through, and the framework has guarded it already.
    const frameworkSpan = claimModelSpan(parent);
    this.ownsSpan = frameworkSpan === undefined;
    if (frameworkSpan !== undefined) frameworkSpan.setAttributes(start);
    const spanless = frameworkSpan === undefined && !withSpan;
    this.span =
      frameworkSpan ??
      (spanless
        ? trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
        : source.currentTracer().startSpan(name, { kind: SpanKind.CLIENT, attributes: start }, parent));
    // Through another instrumentation's wrapper, its span stays the active one for the request.
    this.context = (withSpan ? trace.setSpan(parent, this.span) : parent).setValue(CALL_KEY, this);
    const recording = (this.recording = this.span.isRecording());
    this.passive = !recording && activeRunId(parent) === undefined;
    this.capture = recording && shouldCaptureContent(source.captureContentOption());
    if (this.passive) {
      this.ended = true;
      this.span.end();
      return;
    }

    let fingerprint = '';
    // A try/catch rather than `safely`: no closure per call; a failure goes through `safely` for its one log.
    try {
      fingerprint = reportCall(declaredConditions(surface, body, library, this.requestModel), parent);
    } catch (error) {
      logFailure('declaring the conditions of a call', error);
    }
    if (!recording) return;
    if (this.ownsSpan) openCall(this);
    this.callFingerprint = fingerprint;
    const attributes = this.attributes;
    if (surface.apiType !== undefined) attributes[ATTR_OPENAI_API_TYPE] = surface.apiType;
    surface.describe(body, attributes);
    if (fingerprint !== '') attributes[ATTR_RUNPROOF_CALL_FINGERPRINT] = fingerprint;
    if (this.capture) surface.captureInput(body, this.span);
  }

  /**
   * The SDK is sending the request: `ATTR_RUNPROOF_INPUT_DIGEST` is the digest of the body it
   * serialized (the first attempt's; a retry sends the same), so nothing is serialized twice.
   */
  noteRequestBody(body: unknown): void {
    if (
      !this.recording ||
      this.ended ||
      typeof body !== 'string' ||
      this.attributes[ATTR_RUNPROOF_INPUT_DIGEST] !== undefined
    )
      return;
    try {
      this.attributes[ATTR_RUNPROOF_INPUT_DIGEST] = digestSentBody(body);
    } catch {
      // The request goes out regardless; it only has no input digest.
    }
  }

  /**
   * Checks the call against the run's boundary before the request is sent. A `halt` ends the span
   * and throws `BoundaryViolationError`, so nothing leaves the process. A framework that owns the
   * span (LangChain) has already guarded the call.
   */
  guard(): void {
    // Without a boundary the guard would allow at once: the call is not described to it.
    if (this.passive || !this.ownsSpan || !isGuarded(this.parent)) return;
    try {
      const maxOutputTokens = numberOr(
        this.body.max_completion_tokens ?? this.body.max_tokens ?? this.body.max_output_tokens,
      );
      this.ticket = guardModelCall(
        { model: this.requestModel ?? '', maxOutputTokens, inputText: () => this.surface.inputText(this.body) },
        this.span,
        this.parent,
      );
    } catch (error) {
      this.ended = true;
      closeCall(this);
      this.writeAttributes();
      this.span.end();
      throw error;
    }
  }

  /** The response of the last attempt arrived: its request id, and its headers for when its body turns out unreadable. */
  noteResponse(headers: ResponseHeaders): void {
    this.responseHeaders = headers;
    const requestId = headers.get('x-request-id');
    if (typeof requestId === 'string') this.requestId = requestId;
  }

  /** The SDK's result, parsed: what the caller is about to receive (a `Stream` not yet read). */
  readonly onResult = (result: unknown): void => {
    if (this.ended) return;
    // After a retry made while reading the body (openai 7), the result is the last attempt's.
    const requestId = (result as { _request_id?: unknown } | null)?._request_id;
    if (typeof requestId === 'string') this.requestId = requestId;
    if (this.body.stream === true) {
      this.stream = observeStream(
        result,
        this,
        this.surface.createStreamReader(this.body, this.capture, this.ticket?.countsUsage === true),
      );
      if (this.stream === undefined) this.finish();
    } else {
      this.result = result;
      this.parsed = true;
      this.finish();
    }
  };

  /** The request or its parse failed: API error, connection error, unreadable body, abort. */
  readonly onFailure = (error: unknown): void => {
    this.fail(error);
  };

  /** The app is shutting down with the call still open: its span ends with what was seen. */
  endAtShutdown(): void {
    this.finish();
  }

  /**
   * Ends the span as a success, with whatever the result or the stream so far said. `endTime`
   * (`performance.now()`) when the call ended before it is known to have: a response nobody parsed,
   * a stream the caller abandoned.
   */
  finish(endTime?: number): void {
    if (this.ended) return;
    this.ended = true;
    let messages: unknown;
    try {
      const output = this.readOutput();
      if (output.errorType !== undefined) {
        this.attributes[ATTR_ERROR_TYPE] = output.errorType;
        this.span.setStatus(
          output.errorMessage === undefined
            ? { code: SpanStatusCode.ERROR }
            : { code: SpanStatusCode.ERROR, message: output.errorMessage },
        );
      }
      this.report(output, output.errorType, endTime);
      recordChecks(this.span, output.checks, this.capture, this.attributes);
      messages = output.messages;
      // Only a complete output is compared: a stream the caller abandoned has a partial structure.
      if (output.errorType === undefined && output.finishReasons.length > 0) {
        detectDrift(this.span, this.callFingerprint, {
          resolvedModel: output.responseModel,
          systemFingerprint: output.systemFingerprint,
          outputShape: this.outputShape,
        });
      }
      this.settle(output);
    } catch {
      // Telemetry is best effort; ending the span is not.
    } finally {
      this.writeAttributes();
      // Content last: if the attribute count limit is reached, it is content that is dropped.
      if (messages !== undefined) recordContent(this.span, ATTR_GEN_AI_OUTPUT_MESSAGES, messages);
      if (this.ownsSpan) {
        closeCall(this);
        this.span.end(endTime);
      }
    }
  }

  /** Ends the span as failed; an abort by the caller is `error.type=cancelled`, not a server error. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.ownsSpan) {
      // A framework's span: its retry, or its error handler, decides what the model call was.
      this.writeAttributes();
      releaseModelSpan(this.span);
      return;
    }
    try {
      // A page that is not JSON can make the SDK's own post-processing throw (a TypeError): the page is the cause.
      const unreadable = this.body.stream === true ? undefined : describeNonJsonBody(this.responseHeaders);
      const errorType =
        isCancellation(error) || this.userSignal?.aborted === true
          ? markCancelled(this.span, error)
          : unreadable !== undefined
            ? markInvalidResponse(this.span, unreadable)
            : markError(this.span, error);
      const requestId = (error as { requestID?: unknown } | null)?.requestID;
      if (typeof requestId === 'string') this.requestId = requestId;
      const output = this.readOutput();
      this.report(output, errorType);
      // A stream that broke off was answered in part; a request that failed before it, not at all.
      if (this.stream !== undefined) this.settle(output);
      else this.ticket?.settle();
    } catch {
      // As in finish(): the span ends regardless.
    } finally {
      this.writeAttributes();
      closeCall(this);
      this.span.end();
    }
  }

  /** Writes the gathered attributes on the span, once. */
  private writeAttributes(): void {
    if (!this.recording) return;
    lastAttributes[0] = this.attributes;
    try {
      this.span.setAttributes(this.attributes);
    } catch (error) {
      logFailure('writing the attributes of a model span', error);
    }
  }

  /** Settles the boundary's hold with what the call used; what the API did not report, the budget estimates. */
  private settle(output: CallOutput): void {
    this.ticket?.settle({
      inputTokens: output.inputTokens,
      outputTokens: output.outputTokens,
      model: output.responseModel,
      outputText: () => output.text ?? '',
    });
  }

  private readOutput(): CallOutput {
    const output = new CallOutput();
    // A 200 the SDK did not fail on may still be no answer of the API (a gateway's HTML page).
    const unreadable =
      this.stream?.endedEmpty === true
        ? describeNonEventStream(this.responseHeaders)
        : this.parsed
          ? describeNonJsonResult(this.result, this.responseHeaders)
          : undefined;
    if (unreadable !== undefined) {
      output.errorType = ERROR_TYPE_VALUE_INVALID_RESPONSE;
      output.errorMessage = unreadable;
    } else if (this.stream !== undefined) this.stream.reader.complete(output);
    else if (this.result !== undefined) this.surface.readResult(this.result, this.body, output, this.capture);
    return output;
  }

  /** Gathers the response attributes, and records the run observations and metrics. */
  private report(output: CallOutput, errorType: string | undefined, endTime = performance.now()): void {
    const attributes = this.attributes;
    writeOutputAttributes(attributes, output);
    const firstChunkTime = this.stream?.firstChunkTime;
    if (firstChunkTime !== undefined)
      attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = (firstChunkTime - this.startTime) / 1000;
    if (output.shapes.length > 0) {
      const shape = digestShape(output.shapes.length === 1 ? output.shapes[0] : output.shapes);
      if (shape !== undefined) attributes[ATTR_RUNPROOF_OUTPUT_SHAPE] = shape;
      this.outputShape = shape;
    }
    // One attempt is the rule; only a retry (or none at all) is worth the bytes.
    if (this.attempts !== 1) attributes[ATTR_RUNPROOF_CALL_ATTEMPTS] = this.attempts;
    if (this.requestId !== undefined) attributes[ATTR_OPENAI_REQUEST_ID] = this.requestId;

    if (output.responseModel !== undefined || output.systemFingerprint !== undefined || output.toolsCalled.length > 0) {
      reportObserved(
        {
          resolvedModel: output.responseModel,
          systemFingerprint: output.systemFingerprint,
          toolsCalled: output.toolsCalled,
        },
        this.parent,
      );
    }
    const subject = {
      operation: this.surface.operation,
      provider: GEN_AI_PROVIDER_VALUE_OPENAI,
      requestModel: this.requestModel,
      responseModel: output.responseModel,
      serverAddress: this.endpoint?.address,
      serverPort: this.endpoint?.port,
      errorType: undefined as string | undefined,
    };
    const metricAttributes = genAIMetricAttributes(subject);
    const instruments = this.source.currentInstruments();
    if (firstChunkTime !== undefined) {
      const interval = this.stream?.meanChunkInterval(endTime);
      recordStreamMetrics(
        instruments,
        metricAttributes,
        (firstChunkTime - this.startTime) / 1000,
        interval === undefined ? undefined : interval / 1000,
      );
    }
    if (errorType !== undefined) subject.errorType = errorType;
    recordGenAIMetrics(
      instruments,
      errorType === undefined ? metricAttributes : genAIMetricAttributes(subject),
      (endTime - this.startTime) / 1000,
      output.inputTokens,
      output.outputTokens,
    );
  }
}

/**
 * The attributes the last call wrote, held and never read: the object is built key by key, and
 * holding the latest keeps the shapes it went through (see `keepShapes`). Metadata only: content
 * goes to the span on its own.
 */
const lastAttributes: Attributes[] = [];

/** Span names by operation and model: built once, not per call. */
const spanNames = new Map<string, Map<string | undefined, string>>();
/** Models are the caller's: past this many per operation the cache starts over. */
const MAX_SPAN_NAMES = 256;

/** `{operation} {model}`, or the operation alone when the request names no model. */
function spanName(operation: string, model: string | undefined): string {
  let byModel = spanNames.get(operation);
  if (byModel === undefined) spanNames.set(operation, (byModel = new Map<string | undefined, string>()));
  let name = byModel.get(model);
  if (name === undefined) {
    name = model === undefined ? operation : `${operation} ${model}`;
    if (byModel.size >= MAX_SPAN_NAMES) byModel.clear();
    byModel.set(model, name);
  }
  return name;
}

/**
 * An idle call, kept for the class's shape (see `keepShapes`). It is passive (no span, outside
 * any run), so its constructor returns before it would read the telemetry source, and records
 * nothing.
 */
export const IDLE_CALL = new ModelCall(
  chatSurface,
  undefined as unknown as TelemetrySource,
  '',
  {},
  undefined,
  undefined,
  ROOT_CONTEXT,
  false,
);
keepShapes(IDLE_CALL);

/** Logs a failure once per `where`, as `safely` does (for code that catches it itself, to spare a closure per call). */
export function logFailure(where: string, error: unknown): void {
  safely(where, undefined, () => {
    throw error;
  });
}
