import { safely, warnOnce } from '@runproof/core/adapter';
import { patchTargets, targetsOfClient } from './targets.ts';
import { globalTelemetry } from './telemetry-source.ts';
import { isSupportedOpenAIVersion, PACKAGE_NAME, SUPPORTED_OPENAI_VERSIONS } from './version.ts';

/**
 * Instruments the copy of `openai` a client was built from, for apps where module hooks cannot
 * reach it (bundled apps, clients created before `start()`). Every client of that copy is traced
 * from then on; calling it again, or alongside the auto-instrumentation, changes nothing. Spans go
 * to the global tracer provider; content capture follows the settings `start()` resolved.
 * Returns the client itself.
 *
 * @example
 * import OpenAI from 'openai';
 * import { instrumentOpenAI } from '@runproof/openai-adapter';
 * const client = instrumentOpenAI(new OpenAI());
 */
export function instrumentOpenAI<Client extends object>(client: Client): Client {
  safely('instrumenting an OpenAI client', undefined, () => {
    const version = versionOf(client);
    if (version !== undefined && !isSupportedOpenAIVersion(version)) {
      warnOnce(
        `unsupported-client:${version}`,
        `runproof: openai ${version} is not supported by ${PACKAGE_NAME} (supported: ${SUPPORTED_OPENAI_VERSIONS}); instrumenting it anyway because instrumentOpenAI() was called`,
      );
    }
    patchTargets(targetsOfClient(client), globalTelemetry, `openai@${version ?? 'unknown'}`);
  });
  return client;
}

/** The SDK version, from the client's user agent (`OpenAI/JS 7.57.0`). */
function versionOf(client: object): string | undefined {
  const getUserAgent = (client as { getUserAgent?: unknown }).getUserAgent;
  if (typeof getUserAgent !== 'function') return undefined;
  const agent: unknown = getUserAgent.call(client);
  return typeof agent === 'string' ? /\/JS ([^\s]+)/.exec(agent)?.[1] : undefined;
}
