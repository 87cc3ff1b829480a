/** Deepest level of an input described; below it a value is `…`. */
const MAX_DEPTH = 12;
/** Most members (object keys and array first elements, whatever their type) described; past them an object lists no more keys but `…`. */
const MAX_NODES = 2_000;
/** Most fields listed as gained or lost in one drift event. */
const MAX_LISTED = 20;
/** The member that stands for the keys past {@link MAX_NODES}, and for a value past {@link MAX_DEPTH}. */
const CUT = '…';

/**
 * The structure of an input without its values, as JSON carries it: objects keep their keys
 * (members JSON leaves out — `undefined`, functions, symbols — are left out), arrays the shape of
 * their first element, leaves their JSON type; a value with `toJSON` (a `Date`) is described by
 * what it returns, bytes (a `Buffer`, a typed array, an `ArrayBuffer`) as `binary`. Bounded to 12 levels and 2 000 members of any type: below the last level a
 * value is `…`, and an object reached past the 2 000th member lists no more of its keys but a
 * last member `…`, so a huge input costs no more than a large one. The same convention as model
 * outputs' shapes.
 *
 * @example
 * inputShapeOf({ vendor: 'ACME', total: 1280.5, lines: [{ sku: 'P-1' }] })
 * // { vendor: 'string', total: 'number', lines: [{ sku: 'string' }] }
 */
export function inputShapeOf(value: unknown): unknown {
  const budget = { nodes: MAX_NODES };
  return shapeOf(value, 0, budget);
}

function shapeOf(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value;
    case 'bigint':
      return 'bigint';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (depth >= MAX_DEPTH) return CUT;
  // Bytes are one leaf, never their elements: a Buffer's toJSON copies every byte into an array
  // (50 MB: seconds and most of a gigabyte), a typed array's keys are its indexes.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary';
  const withJson = value as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') {
    // A toJSON that returns another object with a toJSON, and so on, still ends.
    if (--budget.nodes < 0) return CUT;
    return shapeOf((withJson.toJSON as () => unknown).call(value), depth, budget);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    if (--budget.nodes < 0) return [CUT];
    return [shapeOf(value[0], depth + 1, budget) ?? 'null'];
  }
  const shape: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // Every member counts, leaves too: an object of a million strings is cut like one of a million objects.
    if (--budget.nodes < 0) {
      shape[CUT] = CUT;
      break;
    }
    const member = shapeOf((value as Record<string, unknown>)[key], depth + 1, budget);
    if (member !== undefined) shape[key] = member;
  }
  return shape;
}

/**
 * The fields of a shape, one `path (type)` each: `vendor (string)`, `lines[].sku (string)`,
 * `customer (object)`. What two shapes' drift event lists as gained and lost.
 */
export function fieldsOf(shape: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(shape)) {
    if (path !== '') out.push(`${path} (array)`);
    if (shape.length > 0) fieldsOf(shape[0], `${path}[]`, out);
  } else if (typeof shape === 'object' && shape !== null) {
    if (path !== '') out.push(`${path} (object)`);
    for (const [key, member] of Object.entries(shape)) fieldsOf(member, path === '' ? key : `${path}.${key}`, out);
  } else if (path !== '') {
    out.push(`${path} (${String(shape)})`);
  }
  return out;
}

/** The fields `after` has and `before` has not, and those it lost; at most 20 of each, sorted. */
export function compareFields(before: unknown, after: unknown): { added: string[]; removed: string[] } {
  const old = new Set(fieldsOf(before));
  const now = new Set(fieldsOf(after));
  return {
    added: [...now]
      .filter((field) => !old.has(field))
      .sort()
      .slice(0, MAX_LISTED),
    removed: [...old]
      .filter((field) => !now.has(field))
      .sort()
      .slice(0, MAX_LISTED),
  };
}
