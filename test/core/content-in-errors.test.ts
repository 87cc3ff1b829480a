/**
 * Content stays out of error telemetry unless capture is on: an app started with
 * `--import @runproof/core/register` fails three runs with errors whose messages quote content —
 * a `tool()` that puts the card number it was given in its error, `JSON.parse` of a completion
 * that is not JSON inside a `step()`, and an OpenAI 400 quoting the prompt (through the real
 * `openai` client) — and the spans are read as they arrived at an OTLP receiver.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSimulator, type Simulator } from '../simulator/simulator.ts';
import { runApp } from '../support/app.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';

const WITHHELD = 'message withheld: it may quote content (prompts, model output, tool data) and content capture is off';
const CARD = '4111 1111 1111 1111';
const COMPLETION = 'Sure! The invoice total is 1,280.50 EUR.';
const PROVIDER_MESSAGE = `Invalid content: 'My card ${CARD} was charged twice.' is not allowed in messages[0].content.`;

interface Caught {
  runId: string;
  type: string;
  message: string;
  stack: string;
}
type AppOutput = Record<'checkout' | 'invoice-extract' | 'support-reply', Caught>;

let simulator: Simulator;
let receiver: OtlpReceiver;
before(async () => {
  [simulator, receiver] = await Promise.all([startSimulator({ chunkDelayMs: 0 }), startOtlpReceiver()]);
});
after(() => Promise.all([simulator.close(), receiver.close()]));

const promptIs = (start: string) => (body: Record<string, unknown>) => JSON.stringify(body.messages).includes(start);

/** Runs the app with capture on or off; returns what it caught and the spans of each of its runs. */
async function runFailingApp(
  capture: boolean,
): Promise<{ caught: AppOutput; spans: (runName: keyof AppOutput, spanName: string) => ReceivedSpan }> {
  simulator.reset();
  simulator.enqueue(
    { match: promptIs('Extract the invoice total'), reply: COMPLETION },
    {
      match: promptIs('My card'),
      status: 400,
      error: { message: PROVIDER_MESSAGE, param: 'messages[0].content', code: 'invalid_value' },
    },
  );
  const result = await runApp(fileURLToPath(new URL('./apps/content-in-errors.mjs', import.meta.url)), {
    args: ['--import', '@runproof/core/register'],
    env: {
      SIMULATOR_URL: simulator.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: `content-in-errors-${capture ? 'on' : 'off'}`,
      ...(capture ? { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' } : {}),
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const caught = JSON.parse(result.stdout) as AppOutput;
  const ids = new Set(Object.values(caught).map((entry) => entry.runId));
  const received = (
    await receiver.waitFor(
      (spans) => spans.filter((span) => ids.has(String(span.attributes['runproof.run.id']))).length === 7,
    )
  ).filter((span) => ids.has(String(span.attributes['runproof.run.id'])));
  return {
    caught,
    spans(runName, spanName) {
      const found = received.filter(
        (span) => span.attributes['runproof.run.id'] === caught[runName].runId && span.name === spanName,
      );
      assert.equal(found.length, 1, `${runName}: ${spanName}`);
      return found[0]!;
    },
  };
}

/** The status and exception event of a span failed by `caught`, its message withheld or as thrown. */
function failure(caught: Caught, type: string, withheld: boolean): Pick<ReceivedSpan, 'status' | 'events'> {
  const message = withheld ? WITHHELD : caught.message;
  // Withheld, the stack keeps its frames under a first line that no longer quotes the message.
  const stacktrace = withheld
    ? `${type}: ${WITHHELD}${caught.stack.slice(caught.stack.indexOf('\n    at '))}`
    : caught.stack;
  return {
    status: { code: 'STATUS_CODE_ERROR', message },
    events: [
      {
        name: 'exception',
        attributes: { 'exception.type': type, 'exception.message': message, 'exception.stacktrace': stacktrace },
      },
    ],
  };
}

const statusAndEvents = (span: ReceivedSpan) => ({
  status: span.status,
  events: span.events
    .filter((event) => event.name === 'exception')
    .map((event) => ({ name: event.name, attributes: event.attributes })),
});

for (const capture of [false, true]) {
  test(`with content capture ${capture ? 'on, error messages are exported as thrown' : 'off (the default), messages that may quote content are withheld; error.type and the stack frames stay'}`, async () => {
    const { caught, spans } = await runFailingApp(capture);
    const withheld = !capture;

    // The app gets its errors exactly as thrown.
    assert.equal(caught.checkout.message, `card ${CARD} was declined`);
    assert.equal(caught['invoice-extract'].type, 'SyntaxError');
    assert.equal(caught['support-reply'].type, 'BadRequestError');
    assert.equal(caught['support-reply'].message, `400 ${PROVIDER_MESSAGE}`);

    // A tool's error: on the tool span, and on the run it went on to fail.
    const toolSpan = spans('checkout', 'execute_tool charge_card');
    assert.deepEqual(toolSpan.attributes, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'charge_card',
      'gen_ai.tool.type': 'function',
      'runproof.run.id': caught.checkout.runId,
      ...(capture ? { 'gen_ai.tool.call.arguments': JSON.stringify({ card: CARD }) } : {}),
      'error.type': 'Error',
    });
    assert.deepEqual(statusAndEvents(toolSpan), failure(caught.checkout, 'Error', withheld));
    const checkoutRun = spans('checkout', 'invoke_workflow checkout');
    assert.equal(checkoutRun.attributes['error.type'], 'Error');
    assert.deepEqual(statusAndEvents(checkoutRun), failure(caught.checkout, 'Error', withheld));

    // JSON.parse of a completion: its SyntaxError quotes the completion, on the step and the run.
    for (const name of ['step parse', 'invoke_workflow invoice-extract']) {
      const span = spans('invoice-extract', name);
      assert.equal(span.attributes['error.type'], 'SyntaxError', name);
      assert.deepEqual(statusAndEvents(span), failure(caught['invoice-extract'], 'SyntaxError', withheld), name);
    }
    assert.deepEqual(spans('invoice-extract', 'chat gpt-4o-mini').status, { code: 'STATUS_CODE_UNSET' });

    // A provider 400 that quotes the prompt, on the model span and the run.
    for (const name of ['chat gpt-4o-mini', 'invoke_workflow support-reply']) {
      const span = spans('support-reply', name);
      assert.equal(span.attributes['error.type'], 'BadRequestError', name);
      assert.deepEqual(statusAndEvents(span), failure(caught['support-reply'], 'BadRequestError', withheld), name);
    }

    if (withheld) {
      const everything = JSON.stringify(
        ['checkout', 'invoice-extract', 'support-reply'].map((run) =>
          receiver.spans.filter((span) => span.attributes['runproof.run.id'] === caught[run as keyof AppOutput].runId),
        ),
      );
      // The card's digits as a token of their own: trace and span ids, run ids, digests and
      // nanosecond timestamps are long runs of hex digits, in which a bare /4111/ turns up by chance.
      assert.doesNotMatch(everything, /\b4111\b|Sure! The/);
    }
  });
}
