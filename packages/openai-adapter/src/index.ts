// The public surface of @runproof/openai-adapter.
export { OpenAIInstrumentation, createInstrumentation } from './instrumentation.ts';
export type { OpenAIInstrumentationConfig } from './types.ts';
export { instrumentOpenAI } from './instrument-client.ts';
export { isForeignWrapper } from './double-instrumentation.ts';
export { PACKAGE_NAME, VERSION, SUPPORTED_OPENAI_VERSIONS } from './version.ts';
