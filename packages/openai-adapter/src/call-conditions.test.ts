import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digest } from '@runproof/core';
import { cachedDigest } from '@runproof/core/adapter';
import { declaredConditions, type ConditionsSource } from './call-conditions.ts';
import { chatSurface } from './chat.ts';

const LIBRARY = 'openai@7.0.0';
const TOOLS = [
  {
    type: 'function',
    function: { name: 'lookup_vendor', parameters: { type: 'object', properties: { vendor: { type: 'string' } } } },
  },
];

/** A chat request built anew, as an app builds one per call. */
const request = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Answer in one word.' },
    { role: 'user', content: 'Capital of France?' },
  ],
  temperature: 0.2,
  ...overrides,
});

test('a repeated request gets the same frozen conditions, whose digest is the documented fingerprint', () => {
  const first = declaredConditions(chatSurface, request(), LIBRARY, 'gpt-4o-mini');
  const again = declaredConditions(
    chatSurface,
    request({
      messages: [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: 'And of Spain?' },
      ],
    }),
    LIBRARY,
    'gpt-4o-mini',
  );
  assert.equal(again, first, 'the user message is input, not a condition: the same object comes back');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.parameters));
  assert.equal(
    cachedDigest(first),
    digest({
      provider: 'openai',
      operation: 'chat',
      target: 'gpt-4o-mini',
      parameters: { temperature: 0.2 },
      instructionsDigest: digest(['Answer in one word.']),
      templateDigest: digest(['system', 'user']),
      library: LIBRARY,
      adapter: first.adapter,
    }),
  );
});

test('every declared condition changes the conditions: parameters, instructions, roles, tools, schema, model, library', () => {
  const base = declaredConditions(chatSurface, request(), LIBRARY, 'gpt-4o-mini');
  const variants = [
    declaredConditions(chatSurface, request({ temperature: 0.3 }), LIBRARY, 'gpt-4o-mini'),
    declaredConditions(chatSurface, request({ temperature: '0.2' }), LIBRARY, 'gpt-4o-mini'),
    declaredConditions(
      chatSurface,
      request({
        messages: [
          { role: 'system', content: 'Answer in two words.' },
          { role: 'user', content: 'Capital of France?' },
        ],
      }),
      LIBRARY,
      'gpt-4o-mini',
    ),
    declaredConditions(
      chatSurface,
      request({
        messages: [
          { role: 'user', content: 'Capital of France?' },
          { role: 'system', content: 'Answer in one word.' },
        ],
      }),
      LIBRARY,
      'gpt-4o-mini',
    ),
    declaredConditions(chatSurface, request({ tools: TOOLS }), LIBRARY, 'gpt-4o-mini'),
    declaredConditions(
      chatSurface,
      request({ response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object' } } } }),
      LIBRARY,
      'gpt-4o-mini',
    ),
    declaredConditions(chatSurface, request(), LIBRARY, 'gpt-4.1'),
    declaredConditions(chatSurface, request(), 'openai@6.0.0', 'gpt-4o-mini'),
  ];
  const digests = new Set([base, ...variants].map((conditions) => cachedDigest(conditions)));
  assert.equal(digests.size, variants.length + 1);
});

test('a tool list rebuilt for each request with the same content is the same condition; a changed one is not', () => {
  const once = declaredConditions(chatSurface, request({ tools: structuredClone(TOOLS) }), LIBRARY, 'gpt-4o-mini');
  const rebuilt = declaredConditions(chatSurface, request({ tools: structuredClone(TOOLS) }), LIBRARY, 'gpt-4o-mini');
  assert.equal(rebuilt, once);
  assert.equal(once.toolsDigest, digest(TOOLS));
  const renamed = structuredClone(TOOLS);
  renamed[0]!.function.name = 'find_vendor';
  assert.notEqual(
    declaredConditions(chatSurface, request({ tools: renamed }), LIBRARY, 'gpt-4o-mini').toolsDigest,
    once.toolsDigest,
  );
});

test('the key cannot be fooled by text that looks like its own separators', () => {
  const a = declaredConditions(
    chatSurface,
    request({ messages: [{ role: 'user|4:user', content: 'x' }] }),
    LIBRARY,
    'gpt-4o-mini',
  );
  const b = declaredConditions(
    chatSurface,
    request({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'user', content: 'y' },
      ],
    }),
    LIBRARY,
    'gpt-4o-mini',
  );
  assert.notEqual(cachedDigest(a), cachedDigest(b));
  assert.equal(a.templateDigest, digest(['user|4:user']));
});

test('a value of one type never shares a key with a value of another that reads the same', () => {
  const values: unknown[] = [1, '1', true, 'true', 't', false, 'f', 'd1|', 10, 's1:1', [1], { a: 1 }, { a: '1' }];
  const fingerprints = values.map((stop) =>
    cachedDigest(declaredConditions(chatSurface, request({ stop }), LIBRARY, 'gpt-4o-mini')),
  );
  assert.equal(new Set(fingerprints).size, values.length);
  // The same values, asked again, find the same conditions.
  for (const [index, stop] of values.entries())
    assert.equal(
      cachedDigest(declaredConditions(chatSurface, request({ stop }), LIBRARY, 'gpt-4o-mini')),
      fingerprints[index],
    );
});

test('a response format rebuilt for each request around the same schema is the same condition; a changed one is not', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const format = (name: string, strict: boolean): Record<string, unknown> => ({
    type: 'json_schema',
    json_schema: { name, strict, schema },
  });
  const once = declaredConditions(chatSurface, request({ response_format: format('city', true) }), LIBRARY, 'gpt-4o');
  const rebuilt = declaredConditions(
    chatSurface,
    request({ response_format: format('city', true) }),
    LIBRARY,
    'gpt-4o',
  );
  assert.equal(rebuilt, once);
  assert.equal(once.schemaDigest, digest(format('city', true)));
  for (const changed of [format('town', true), format('city', false), { ...format('city', true), extra: 1 }])
    assert.notEqual(
      declaredConditions(chatSurface, request({ response_format: changed }), LIBRARY, 'gpt-4o').schemaDigest,
      once.schemaDigest,
    );
  // A record with its own toJSON is keyed by what JSON makes of it.
  const custom = (name: string): Record<string, unknown> => ({
    type: 'json_schema',
    json_schema: { name: 'x', schema, toJSON: () => ({ name, schema }) },
  });
  assert.notEqual(
    declaredConditions(chatSurface, request({ response_format: custom('a') }), LIBRARY, 'gpt-4o').schemaDigest,
    declaredConditions(chatSurface, request({ response_format: custom('b') }), LIBRARY, 'gpt-4o').schemaDigest,
  );
});

test('requests that read the same to two surfaces still get each surface its own conditions', () => {
  // Two endpoints whose keys read the same members: the surface itself is part of the key.
  const surface = (operation: string, temperature: number): ConditionsSource => ({
    operation,
    keyConditions: (body, key) => key.value(body.temperature),
    declare: () => ({ parameters: { temperature } }),
  });
  const first = surface('chat', 0.2);
  const second = surface('embeddings', 0.9);
  const body = { model: 'm', temperature: 0.2 };
  assert.equal(declaredConditions(first, body, LIBRARY, 'm').operation, 'chat');
  assert.equal(declaredConditions(second, body, LIBRARY, 'm').operation, 'embeddings');
  assert.deepEqual(declaredConditions(second, body, LIBRARY, 'm').parameters, { temperature: 0.9 });
  assert.equal(declaredConditions(first, { ...body }, LIBRARY, 'm').operation, 'chat');
});

test('a value JSON cannot write is a condition of its own, found again by identity', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const wide = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: cyclic };
  const once = declaredConditions(chatSurface, request({ logit_bias: wide }), LIBRARY, 'gpt-4o-mini');
  assert.equal(declaredConditions(chatSurface, request({ logit_bias: wide }), LIBRARY, 'gpt-4o-mini'), once);
  const other = { ...wide };
  assert.notEqual(declaredConditions(chatSurface, request({ logit_bias: other }), LIBRARY, 'gpt-4o-mini'), once);
});

test("the request's own objects stay the app's to change: the conditions keep copies", () => {
  const stop = ['END'];
  const logitBias = { '50256': -100 };
  const toolChoice = { type: 'function', function: { name: 'lookup_vendor' } };
  const conditions = declaredConditions(
    chatSurface,
    request({ stop, logit_bias: logitBias, tool_choice: toolChoice, tools: TOOLS }),
    LIBRARY,
    'gpt-4o-mini',
  );
  assert.ok(Object.isFrozen(conditions.parameters));
  for (const own of [stop, logitBias, toolChoice, toolChoice.function, TOOLS])
    assert.equal(Object.isFrozen(own), false);
  stop.push('STOP');
  assert.deepEqual(conditions.parameters, {
    temperature: 0.2,
    stop: ['END'],
    logit_bias: { '50256': -100 },
    tool_choice: { type: 'function', function: { name: 'lookup_vendor' } },
  });
});
