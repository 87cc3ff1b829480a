// The public surface of @runproof/langchain-adapter. Everything exported is documented and versioned.
export { RunproofCallbackHandler } from './callback-handler.ts';
export type { RunproofCallbackHandlerOptions } from './callback-handler.ts';
export { LangChainInstrumentation, createInstrumentation } from './instrumentation.ts';
export type { LangChainClasses, LangChainInstrumentationConfig } from './types.ts';
export { VERSION } from './version.ts';
