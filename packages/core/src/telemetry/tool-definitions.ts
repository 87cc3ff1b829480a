/** A tool a model was offered, in the conventions' shape (`ATTR_GEN_AI_TOOL_DEFINITIONS`). */
export interface ToolDefinition {
  /** `function` for a tool the app implements with a JSON Schema; `custom` for free-form input; else a provider's built-in (`web_search`…). */
  type: string;
  name?: string;
  description?: string;
  /** A function tool's parameters' JSON Schema, as declared. */
  parameters?: unknown;
}

/**
 * For adapters: the tools a request offered, in the conventions' shape, from whichever provider's
 * format the request used:
 *
 * - OpenAI chat completions: `{ type: 'function', function: { name, description, parameters } }`
 *   and `{ type: 'custom', custom: { name, description } }`;
 * - OpenAI Responses: `{ type: 'function' | 'custom', name, description, parameters }`;
 * - Anthropic: `{ name, description, input_schema }`;
 * - Gemini: `{ functionDeclarations: [{ name, description, parameters }, …] }`, one definition each;
 * - anything else is a built-in tool: its `type` (`unknown` without one) and `name` if it has one.
 *
 * A tool that is no object is an `unknown` tool: the count stays the request's.
 *
 * @example
 * toolDefinitions([{ type: 'custom', custom: { name: 'sql', description: 'Runs SQL' } }])
 * // [{ type: 'custom', name: 'sql', description: 'Runs SQL' }]
 */
export function toolDefinitions(tools: readonly unknown[]): ToolDefinition[] {
  const definitions: ToolDefinition[] = [];
  for (const item of tools) {
    const tool = recordOf(item);
    if (Array.isArray(tool.functionDeclarations)) {
      for (const declaration of tool.functionDeclarations as unknown[])
        definitions.push(functionTool(recordOf(declaration)));
    } else if (isRecord(tool.function)) {
      definitions.push(functionTool(tool.function));
    } else if (isRecord(tool.custom)) {
      definitions.push(described({ type: 'custom' }, tool.custom));
    } else if (
      tool.type === 'function' ||
      tool.input_schema !== undefined ||
      (tool.type === undefined && tool.name !== undefined)
    ) {
      definitions.push(functionTool(tool));
    } else if (tool.type === 'custom') {
      definitions.push(described({ type: 'custom' }, tool));
    } else {
      const definition: ToolDefinition = { type: typeof tool.type === 'string' ? tool.type : 'unknown' };
      if (typeof tool.name === 'string') definition.name = tool.name;
      definitions.push(definition);
    }
  }
  return definitions;
}

/** A function tool: its name, description and parameters' JSON Schema (Anthropic's `input_schema`). */
function functionTool(declaration: Record<string, unknown>): ToolDefinition {
  const definition = described({ type: 'function' }, declaration);
  const parameters = declaration.parameters ?? declaration.input_schema;
  if (parameters !== undefined) definition.parameters = parameters;
  return definition;
}

/** `definition` with the `name` and `description` of `from`, those that are strings. */
function described(definition: ToolDefinition, from: Record<string, unknown>): ToolDefinition {
  if (typeof from.name === 'string') definition.name = from.name;
  if (typeof from.description === 'string') definition.description = from.description;
  return definition;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
