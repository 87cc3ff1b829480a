/**
 * Where the instrumented methods live in an `openai` copy: the prototypes of the `Completions`
 * (chat), `Responses` and `Embeddings` resource classes and of the client class, found from the
 * module's `OpenAI` export (auto-instrumentation) or from a client instance (`instrumentOpenAI`).
 * Patching prototypes reaches every client of that copy, `AzureOpenAI` included, and the SDK's
 * helpers (`parse`, `stream`, `runTools`), which call `create`.
 */
import { warnOnce } from '@runproof/core/adapter';
import { patchAttemptCounter, findOwner } from './attempts.ts';
import { chatSurface } from './chat.ts';
import { embeddingsSurface } from './embeddings.ts';
import { unpatchMethod } from './patch.ts';
import { responsesSurface } from './responses.ts';
import type { Surface } from './surface.ts';
import type { TelemetrySource } from './telemetry-source.ts';
import { patchCreate } from './wrap-create.ts';

/** The prototypes to patch in one copy of `openai`; a missing one is `undefined`. */
export interface OpenAITargets {
  client: object | undefined;
  chat: object | undefined;
  responses: object | undefined;
  embeddings: object | undefined;
}

type Namespace = Record<string, unknown> | undefined;

/** The targets reachable from the `openai` module's exports (CommonJS `module.exports` or the ES namespace). */
export function targetsOfModule(moduleExports: unknown): OpenAITargets {
  const exports = moduleExports as Namespace;
  const OpenAI = (exports?.OpenAI ?? exports?.default) as Namespace;
  const Chat = OpenAI?.Chat as Namespace;
  return {
    client: prototypeOf(OpenAI),
    chat: prototypeOf(Chat?.Completions),
    responses: prototypeOf(OpenAI?.Responses),
    embeddings: prototypeOf(OpenAI?.Embeddings),
  };
}

/** The targets of the `openai` copy a client was built from. */
export function targetsOfClient(client: unknown): OpenAITargets {
  const instance = client as Namespace;
  const chat = (instance?.chat as Namespace)?.completions;
  return {
    client: instance === undefined ? undefined : ((Object.getPrototypeOf(instance) as object | null) ?? undefined),
    chat: createOwner(chat),
    responses: createOwner(instance?.responses),
    embeddings: createOwner(instance?.embeddings),
  };
}

/** Patches every target; says once, through `diag`, which surfaces this `openai` copy lacks. */
export function patchTargets(targets: OpenAITargets, source: TelemetrySource, library: string): void {
  const surfaces: [object | undefined, Surface][] = [
    [targets.chat, chatSurface],
    [targets.responses, responsesSurface],
    [targets.embeddings, embeddingsSurface],
  ];
  for (const [prototype, surface] of surfaces) {
    if (!patchCreate(prototype, surface, source, library)) {
      warnOnce(
        `missing:${library}:${surface.method}`,
        `runproof: ${library} has no ${surface.method} to instrument; those calls will not be traced`,
      );
    }
  }
  if (!patchAttemptCounter(targets.client)) {
    warnOnce(
      `missing:${library}:attempts`,
      `runproof: ${library} has no per-attempt request method; runproof.call.attempts will be 0 and runproof.input.digest missing`,
    );
  }
}

/** Undoes {@link patchTargets}. */
export function unpatchTargets(targets: OpenAITargets): void {
  for (const prototype of [targets.chat, targets.responses, targets.embeddings]) {
    if (prototype !== undefined) unpatchMethod(prototype, 'create');
  }
  const owner = findOwner(targets.client, 'fetchWithTimeout');
  if (owner !== undefined) unpatchMethod(owner, 'fetchWithTimeout');
}

function prototypeOf(value: unknown): object | undefined {
  const prototype = typeof value === 'function' ? (value as { prototype?: unknown }).prototype : undefined;
  return prototype !== null && typeof prototype === 'object' ? prototype : undefined;
}

function createOwner(resource: unknown): object | undefined {
  return resource !== null && typeof resource === 'object'
    ? findOwner(Object.getPrototypeOf(resource) as object, 'create')
    : undefined;
}
