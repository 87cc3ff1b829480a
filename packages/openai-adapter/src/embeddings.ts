/** `embeddings.create`. */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_OPERATION_VALUE_EMBEDDINGS,
} from '@runproof/core/semconv';
import { setNumber } from './attributes.ts';
import { parameterList, type ConditionsKey } from './call-conditions.ts';
import { pickParameters } from './conditions.ts';
import { readUsage } from './usage.ts';
import { embeddingsInputText } from './usage-text.ts';
import type { CallOutput, DeclaredRequest, RequestBody, StreamReader, Surface } from './surface.ts';
import { recordOr, stringOr } from './values.ts';

const EMBEDDINGS_PARAMETERS = ['dimensions', 'encoding_format'] as const;
const EMBEDDINGS_PARAMETERS_LIST = parameterList(EMBEDDINGS_PARAMETERS);

/** The embeddings surface. There is no `ATTR_OPENAI_API_TYPE` for it in the conventions. */
export const embeddingsSurface: Surface = {
  method: 'embeddings.create',
  operation: GEN_AI_OPERATION_VALUE_EMBEDDINGS,
  apiType: undefined,

  describe(body: RequestBody, attributes: Attributes): void {
    // Only a format the caller chose: the SDK asks for base64 on the wire and decodes it itself.
    if (typeof body.encoding_format === 'string')
      attributes[ATTR_GEN_AI_REQUEST_ENCODING_FORMATS] = [body.encoding_format];
    setNumber(attributes, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, body.dimensions);
  },

  keyConditions(body: RequestBody, key: ConditionsKey): void {
    key.parameters(body, EMBEDDINGS_PARAMETERS_LIST);
  },

  declare(body: RequestBody): DeclaredRequest {
    return { parameters: pickParameters(body, EMBEDDINGS_PARAMETERS) };
  },

  captureInput(): void {
    // The conventions define no content attribute for embeddings input.
  },

  inputText: embeddingsInputText,

  readResult(result: unknown, _body: RequestBody, output: CallOutput): void {
    const response = recordOr(result);
    if (response === undefined) return;
    output.responseModel = stringOr(response.model);
    readUsage(response.usage, output);
    const first = Array.isArray(response.data) ? recordOr(response.data[0]) : undefined;
    const vector = first?.embedding;
    // The structure of an embedding is its encoding and dimension count.
    if (typeof vector === 'string')
      output.shapes.push({ embedding: 'base64', dimensions: Buffer.byteLength(vector, 'base64') / 4 });
    else output.shapes.push({ embedding: 'float', dimensions: Array.isArray(vector) ? vector.length : 0 });
  },

  createStreamReader(): StreamReader {
    return { read() {}, complete() {} };
  },
};
