// One way of using a call that fails (argv[2]). Prints what the app sees: what it caught, and the
// rejections Node reports unhandled and then handled. The same app runs with and without Runproof.
import OpenAI from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';

const print = (line) => process.stdout.write(`${line}\n`);
let unhandled = 0;
let onUnhandled = () => {};
process.on('unhandledRejection', (reason) => {
  print(`unhandled: ${reason?.constructor?.name}`);
  unhandled += 1;
  onUnhandled();
});
// Handled late, but only once Node has reported the rejections unhandled: a fixed delay would race
// the requests on a busy machine. Gives up after 10 s (the sequence printed then tells).
const untilUnhandled = (count) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    onUnhandled = () => {
      if (unhandled < count) return;
      clearTimeout(timer);
      resolve();
    };
    onUnhandled();
  });
process.on('rejectionHandled', () => print('handled later'));
const caught = (error) => print(`caught: ${error?.constructor?.name}`);

const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.SIMULATOR_URL, maxRetries: 0, logLevel: 'off' });
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me about Paris.' }] };
const attempt = async (work) => {
  try {
    await work();
  } catch (error) {
    caught(error);
  }
};

const uses = {
  'never awaited': async () => void client.chat.completions.create(body),
  'awaited at once': () => attempt(() => client.chat.completions.create(body)),
  'withResponse()': () => attempt(() => client.chat.completions.create(body).withResponse()),
  'asResponse()': () => attempt(() => client.chat.completions.create(body).asResponse()),
  'asResponse(), then awaited': async () => {
    const promise = client.chat.completions.create(body);
    await attempt(() => promise.asResponse());
    await attempt(() => promise);
  },
  'parse() helper': () => attempt(() => client.chat.completions.parse(body)),
  'a stream': () => attempt(() => client.chat.completions.create({ ...body, stream: true })),
  'stream() helper': () =>
    attempt(() =>
      client.chat.completions
        .stream(body)
        .on('error', () => {})
        .finalChatCompletion(),
    ),
  'responses.create()': () =>
    attempt(() => client.responses.create({ model: 'gpt-4o-mini', input: 'Tell me about Paris.' })),
  'awaited 1 ms later': async () => {
    const promise = client.chat.completions.create(body);
    await sleep(1);
    await attempt(() => promise);
  },
  'caught once reported unhandled': async () => {
    const promise = client.chat.completions.create(body);
    await untilUnhandled(1);
    await promise.catch(caught);
  },
  'allSettled once both reported unhandled': async () => {
    const promises = [client.chat.completions.create(body), client.chat.completions.create(body)];
    await untilUnhandled(2);
    for (const result of await Promise.allSettled(promises)) caught(result.reason);
  },
};

await uses[process.argv[2]]();
await sleep(200);
print('end');
