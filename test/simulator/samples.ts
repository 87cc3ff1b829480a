/**
 * Realistic sample values for a JSON Schema: what a model would put in tool arguments or a
 * structured output. Deterministic; covers the subset OpenAI strict schemas and Zod's JSON Schema
 * output use (objects, arrays, enums, const, anyOf/oneOf/allOf, nullable types, $ref to $defs).
 */

type Schema = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 8;

/**
 * A value matching `schema`, with every declared property filled in.
 *
 * @example
 * sampleFromSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] })
 * // → { city: 'Paris' }
 */
export function sampleFromSchema(schema: unknown): unknown {
  const root = asSchema(schema);
  return sample(root, { root, name: '', index: 0, depth: 0 });
}

interface SampleContext {
  root: Schema;
  /** Property name the value is for, which picks realistic strings and numbers. */
  name: string;
  /** Position within an array, so items differ. */
  index: number;
  depth: number;
}

function sample(schema: Schema, context: SampleContext): unknown {
  const resolved = resolveRef(schema, context.root);
  if ('const' in resolved) return resolved.const;
  if (Array.isArray(resolved.enum) && resolved.enum.length > 0) {
    return resolved.enum[context.index % resolved.enum.length];
  }
  if (Array.isArray(resolved.examples) && resolved.examples.length > 0) return resolved.examples[0];
  if ('default' in resolved) return resolved.default;
  const variants = resolved.anyOf ?? resolved.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    const branches = variants.map(asSchema);
    // Past the depth limit a nullable branch ends recursive schemas.
    const wantNull = context.depth >= MAX_DEPTH;
    const isNull = (branch: Schema): boolean => resolveRef(branch, context.root).type === 'null';
    const chosen = branches.find((branch) => isNull(branch) === wantNull) ?? branches[0]!;
    return sample(chosen, context);
  }
  if (Array.isArray(resolved.allOf)) return sample(mergeAll(resolved, context.root), context);

  switch (pickType(resolved)) {
    case 'object':
      return sampleObject(resolved, context);
    case 'array':
      return sampleArray(resolved, context);
    case 'string':
      return sampleString(resolved, context);
    case 'integer':
      return Math.round(sampleNumber(resolved, context, true));
    case 'number':
      return sampleNumber(resolved, context, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return resolved.properties === undefined ? 'example' : sampleObject(resolved, context);
  }
}

function sampleObject(schema: Schema, context: SampleContext): Record<string, unknown> {
  const properties = asSchema(schema.properties);
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const result: Record<string, unknown> = {};
  for (const [name, propertySchema] of Object.entries(properties)) {
    // Past the depth limit only required properties are filled, so recursive schemas terminate.
    if (context.depth >= MAX_DEPTH && !required.has(name)) continue;
    result[name] = sample(asSchema(propertySchema), { ...context, name, depth: context.depth + 1 });
  }
  return result;
}

function sampleArray(schema: Schema, context: SampleContext): unknown[] {
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
  const wanted = context.depth >= MAX_DEPTH ? minItems : Math.min(Math.max(minItems, 2), maxItems);
  const itemSchema = asSchema(schema.items);
  const name = singular(context.name);
  return Array.from({ length: wanted }, (_, index) =>
    sample(itemSchema, { ...context, name, index, depth: context.depth + 1 }),
  );
}

const STRINGS_BY_NAME: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/email/i, ['ada.lovelace@example.com', 'grace.hopper@example.com']],
  [/^(first_?name|given_?name)$/i, ['Ada', 'Grace']],
  [/^(last_?name|family_?name|surname)$/i, ['Lovelace', 'Hopper']],
  [/(^|_)(name|author|customer|assignee|owner|user_?name)$/i, ['Ada Lovelace', 'Grace Hopper', 'Alan Turing']],
  [/(city|location|place|destination)/i, ['Paris', 'Berlin', 'Tokyo']],
  [/country/i, ['France', 'Germany', 'Japan']],
  [/(url|link|website|href)/i, ['https://example.com/docs', 'https://example.com/pricing']],
  [/phone/i, ['+1-555-0100', '+1-555-0101']],
  [/currency/i, ['EUR', 'USD']],
  [/(unit|units)$/i, ['celsius', 'fahrenheit']],
  [/(language|locale|lang)$/i, ['en', 'fr']],
  [/(^id$|_id$|Id$)/, ['inv_2024_0042', 'inv_2024_0043']],
  [/(date|day)$/i, ['2024-07-18', '2024-07-19']],
  [/(time|_at|At)$/, ['2024-07-18T09:30:00Z', '2024-07-18T10:45:00Z']],
  [/(query|search|question|prompt|^q)$/i, ['latest invoice for Acme Corp', 'open support tickets']],
  [/(title|subject|headline)/i, ['Quarterly invoice review', 'Renewal reminder']],
  [/(status|state)$/i, ['open', 'closed']],
  [/(category|type|kind|label|tag)s?$/i, ['billing', 'support', 'sales']],
  [/(sentiment)$/i, ['positive', 'neutral']],
  [
    /(description|summary|reason|explanation|answer|text|content|message|comment|note|details|step)s?$/i,
    [
      'The invoice total matches the purchase order and is due within 30 days.',
      'The customer asked to move the delivery to next week.',
    ],
  ],
];

const STRINGS_BY_FORMAT: Readonly<Record<string, string>> = {
  'date-time': '2024-07-18T09:30:00Z',
  date: '2024-07-18',
  time: '09:30:00',
  email: 'ada.lovelace@example.com',
  uri: 'https://example.com/docs',
  url: 'https://example.com/docs',
  uuid: '3f2b8c1e-9d4a-4e2b-8c7f-1a2b3c4d5e6f',
  hostname: 'api.example.com',
  ipv4: '192.0.2.10',
  duration: 'PT15M',
};

function sampleString(schema: Schema, context: SampleContext): string {
  const format = typeof schema.format === 'string' ? STRINGS_BY_FORMAT[schema.format] : undefined;
  const byName = STRINGS_BY_NAME.find(([pattern]) => pattern.test(context.name))?.[1];
  let value = format ?? (byName ? byName[context.index % byName.length]! : `example ${context.name || 'value'}`.trim());
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  while (value.length < minLength) value += ' example';
  return value.slice(0, Math.max(minLength, Math.min(value.length, maxLength)));
}

const NUMBERS_BY_NAME: ReadonlyArray<readonly [RegExp, number]> = [
  [/(amount|price|total|cost|balance|subtotal|revenue)/i, 1249.5],
  [/(temperature|temp)/i, 21.5],
  [/(confidence|score|probability|ratio|rate)/i, 0.92],
  [/(quantity|count|number|num|items|limit|max_results|top_k)/i, 3],
  [/(age)$/i, 36],
  [/(year)$/i, 2024],
  [/(latitude|lat)$/i, 48.8566],
  [/(longitude|lng|lon)$/i, 2.3522],
  [/(percent|percentage)/i, 42],
];

function sampleNumber(schema: Schema, context: SampleContext, integer: boolean): number {
  let value = NUMBERS_BY_NAME.find(([pattern]) => pattern.test(context.name))?.[1] ?? 42;
  value += context.index;
  if (integer) value = Math.round(value);
  const minimum = numberOr(schema.minimum, numberOr(schema.exclusiveMinimum, -Infinity, integer ? 1 : 0.01));
  const maximum = numberOr(schema.maximum, numberOr(schema.exclusiveMaximum, Infinity, integer ? -1 : -0.01));
  value = Math.min(Math.max(value, minimum), maximum);
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0) {
    value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  }
  return value;
}

function numberOr(value: unknown, fallback: number, exclusiveOffset = 0): number {
  return typeof value === 'number' ? value + exclusiveOffset : fallback;
}

function pickType(schema: Schema): string | undefined {
  const { type } = schema;
  if (Array.isArray(type)) return (type.find((candidate) => candidate !== 'null') ?? type[0]) as string | undefined;
  if (typeof type === 'string') return type;
  if (schema.properties !== undefined) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function resolveRef(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 16; hops++) {
    const ref = current.$ref;
    if (ref === '#') return root;
    const path = ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    let target: unknown = root;
    for (const part of path) target = asSchema(target)[part];
    const { $ref: _ref, ...siblings } = current;
    current = { ...asSchema(target), ...siblings };
  }
  return current;
}

function mergeAll(schema: Schema, root: Schema): Schema {
  const { allOf, ...rest } = schema;
  let merged: Record<string, unknown> = { ...rest };
  for (const part of allOf as unknown[]) {
    const resolved = resolveRef(asSchema(part), root);
    merged = {
      ...merged,
      ...resolved,
      properties: { ...asSchema(merged.properties), ...asSchema(resolved.properties) },
      required: [...toArray(merged.required), ...toArray(resolved.required)],
    };
  }
  return merged;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

function singular(name: string): string {
  if (name.endsWith('ies')) return name.slice(0, -3) + 'y';
  if (name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return name;
}
