/** The adapter's package name: the instrumentation scope of its spans and metrics. */
export const PACKAGE_NAME = '@runproof/openai-adapter';

/** The adapter's version, reported in each call's declared conditions. */
export const VERSION = '0.1.0';

/** The `openai` versions this adapter is built and tested for. */
export const SUPPORTED_OPENAI_VERSIONS = '>=5 <8';

/**
 * Whether an `openai` version is in {@link SUPPORTED_OPENAI_VERSIONS}. Only the major matters:
 * pre-releases of a supported major are supported too.
 *
 * @example
 * isSupportedOpenAIVersion('7.57.0') // true
 * isSupportedOpenAIVersion('4.104.0') // false
 */
export function isSupportedOpenAIVersion(version: string): boolean {
  const major = Number.parseInt(version, 10);
  return major >= 5 && major < 8;
}
