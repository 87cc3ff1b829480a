import { isStandardSchema, standardSchemaDigest, validateStandardSchema, type Issue } from '@runproof/core';
import { VALIDATION_ISSUE_CODE_VALUE_INVALID } from '@runproof/core/semconv';

/** What the tool's schema says about arguments LangChain rejected. */
export interface ToolInputCheck {
  issues: Issue[];
  schemaDigest: string | undefined;
}

/**
 * The issues a tool's schema finds in `input`, through the Standard Schema interface Zod (v3.24+,
 * v4), Valibot and ArkType implement. LangChain throws a `ToolInputParsingException` that carries
 * only prose, so the adapter asks the schema again for codes and paths. A JSON-schema tool, or a
 * schema that throws, gives one generic issue.
 */
export async function checkToolInput(schema: unknown, input: unknown): Promise<ToolInputCheck> {
  if (isStandardSchema(schema)) {
    try {
      const result = await validateStandardSchema(schema, input);
      if (result.issues.length > 0) return { issues: result.issues, schemaDigest: standardSchemaDigest(schema) };
    } catch {
      // The validator itself failed; fall through to the generic issue.
    }
  }
  return { issues: [{ code: VALIDATION_ISSUE_CODE_VALUE_INVALID, path: [], message: 'the arguments did not match the tool schema' }], schemaDigest: undefined };
}
