import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toolDefinitions } from './tool-definitions.ts';

const CITY = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

test("every provider's tool format gives the conventions' shape, in the request's order", () => {
  assert.deepEqual(
    toolDefinitions([
      // OpenAI chat completions: a function, a custom tool.
      { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: CITY } },
      { type: 'custom', custom: { name: 'run_sql', description: 'Runs a query', format: { type: 'text' } } },
      // OpenAI Responses: the same two, flat; a built-in without a name.
      { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} }, strict: true },
      { type: 'custom', name: 'patch', description: 'Applies a diff' },
      { type: 'web_search_preview' },
      // Anthropic: a function (with and without `type: 'custom'`), a built-in with a name.
      { name: 'get_stock', description: 'Price of a share', input_schema: CITY },
      { type: 'custom', name: 'get_fx', input_schema: CITY },
      { type: 'web_search_20250305', name: 'web_search' },
      // Gemini: one definition per declaration.
      { functionDeclarations: [{ name: 'get_news', parameters: CITY }, { name: 'get_date' }] },
    ]),
    [
      { type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: CITY },
      { type: 'custom', name: 'run_sql', description: 'Runs a query' },
      { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } },
      { type: 'custom', name: 'patch', description: 'Applies a diff' },
      { type: 'web_search_preview' },
      { type: 'function', name: 'get_stock', description: 'Price of a share', parameters: CITY },
      { type: 'function', name: 'get_fx', parameters: CITY },
      { type: 'web_search_20250305', name: 'web_search' },
      { type: 'function', name: 'get_news', parameters: CITY },
      { type: 'function', name: 'get_date' },
    ],
  );
});

test("a tool that is no object, or names nothing it can be told by, is an unnamed tool: the count stays the request's", () => {
  assert.deepEqual(toolDefinitions([null, 'get_weather', [], { type: 7 }, { description: 'no name' }]), [
    { type: 'unknown' },
    { type: 'unknown' },
    { type: 'unknown' },
    { type: 'unknown' },
    { type: 'unknown' },
  ]);
  // Names and descriptions that are not strings are left out, not stringified.
  assert.deepEqual(toolDefinitions([{ type: 'function', function: { name: 42, description: {} } }]), [
    { type: 'function' },
  ]);
});
