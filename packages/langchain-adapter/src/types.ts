import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Configuration of the LangChain instrumentation; today only the standard `enabled`. */
export type LangChainInstrumentationConfig = InstrumentationConfig;

/**
 * The `@langchain/core` classes {@link LangChainInstrumentation.manuallyInstrument} patches; pass
 * the ones the app uses, imported from the same `@langchain/core` the app uses.
 */
export interface LangChainClasses {
  /** From `@langchain/core/callbacks/manager`: adds the handler to every run. */
  CallbackManager?: object;
  /** From `@langchain/core/language_models/chat_models`: chat model spans become the active span. */
  BaseChatModel?: object;
  /** From `@langchain/core/language_models/llms`. */
  BaseLLM?: object;
  /** From `@langchain/core/tools`: tool spans become the active span; schema failures are recorded. */
  StructuredTool?: object;
  /** From `@langchain/core/retrievers`. */
  BaseRetriever?: object;
  /** From `@langchain/core/runnables`: lambdas and LangGraph nodes run with their span active. */
  Runnable?: object;
}
