// A CommonJS app, instrumented only by `node --import @runproof/core/register`.
const OpenAI = require('openai');
const { workload } = require('./workload.mjs');

workload(OpenAI).catch((error) => {
  process.exitCode = 1;
  console.error(error);
});
