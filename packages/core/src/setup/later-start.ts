import { warnLoudly } from '../safely.ts';
import { resolveConfig, type ResolvedConfig, type StartOptions } from './config.ts';

/** Options read when they are used, so a later `start()` can still change them. */
const APPLICABLE = [
  'policies',
  'captureContent',
  'redact',
  'maxContentBytes',
  'manifestMaxBytes',
  'codeVersion',
  'shutdownTimeoutMillis',
  'durability',
  'evidence',
] as const satisfies readonly (keyof StartOptions & keyof ResolvedConfig)[];

/**
 * A `start()` after Runproof has started — the usual case being `--import @runproof/core/register`
 * followed by `start({ policies })` in the app's code. Its options are validated like the first
 * call's (a bad one throws a `ConfigError`). Its policies are added to those in force, replacing
 * a policy of the same run name (code over the config file, as for the first call); they hold for
 * runs that start from now on. Content capture, the redact hook, the size caps, the code version
 * the shutdown budget, the run store and durability settings are applied too, and evidence signs the
 * runs that start from then on (a KMS hook given in code, say). The rest shapes the SDK itself (exporters, service
 * name, instrumentations…) and cannot change once it runs: those options are named in a warning
 * printed once on stderr, never dropped silently.
 */
export function applyLaterStart(config: ResolvedConfig, options: StartOptions): void {
  const given = (Object.keys(options) as (keyof StartOptions)[]).filter((key) => options[key] !== undefined);
  if (given.length === 0) return;
  const next = resolveConfig(options);
  const apply = config as unknown as Record<string, unknown>;
  for (const key of APPLICABLE) {
    if (!given.includes(key)) continue;
    apply[key] = key === 'policies' ? { ...config.policies, ...options.policies } : next[key];
  }
  // The store is opened on the first durable run, so a later start() can still name it.
  if (given.includes('store')) config.durability = { ...config.durability, store: next.durability.store };
  const ignored = given.filter((key) => key !== 'store' && !(APPLICABLE as readonly string[]).includes(key)).sort();
  if (ignored.length === 0) return;
  const applied = given.filter((key) => key === 'store' || (APPLICABLE as readonly string[]).includes(key));
  warnLoudly(
    `start-again:${ignored.join(',')}`,
    `runproof: start() was called after Runproof had already started (by --import @runproof/core/register or an earlier start()), so ${ignored.join(', ')} ${ignored.length === 1 ? 'was' : 'were'} ignored: ${ignored.length === 1 ? 'it shapes' : 'they shape'} the running SDK. ${applied.length > 0 ? `Its ${applied.join(', ')} ${applied.length === 1 ? 'was' : 'were'} applied. ` : ''}Set the others through OTEL_* / RUNPROOF_* variables or the RUNPROOF_CONFIG file, or call start() once.`,
  );
}
