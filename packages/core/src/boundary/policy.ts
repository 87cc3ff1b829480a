import { z } from 'zod';
import { digest } from '../identity/canonical-json.ts';
import { ConfigError, type BoundaryViolation, type Issue } from '../errors.ts';
import { globalSlot } from '../internal/global.ts';
import { findPolicyKey } from './policy-keys.ts';
import type { Run } from '../identity/run-handle.ts';
import {
  BOUNDARY_RULE_VALUE_ALLOWED_MODELS,
  BOUNDARY_RULE_VALUE_ALLOWED_TOOLS,
  BOUNDARY_RULE_VALUE_MAX_ATTEMPTS,
  BOUNDARY_RULE_VALUE_MAX_COST_USD,
  BOUNDARY_RULE_VALUE_MAX_DURATION_MS,
  BOUNDARY_RULE_VALUE_MAX_MODEL_CALLS,
  BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS,
  BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS_PER_TOOL,
  BOUNDARY_RULE_VALUE_MAX_TOTAL_TOKENS,
} from '../semconv.ts';

/** What a guard decided: `allow` when no rule was broken, else the broken rule's decision. */
export type BoundaryDecision = 'allow' | 'record' | 'escalate' | 'halt';
/** What a policy may decide for a broken rule. */
export type ViolationDecision = 'record' | 'escalate' | 'halt';
/** The policy fields that are rules; each has a decision (see {@link BoundaryPolicy.decisions}). */
export type BoundaryRuleField =
  | 'allowedModels'
  | 'allowedTools'
  | 'maxModelCalls'
  | 'maxToolCalls'
  | 'maxToolCallsPerTool'
  | 'maxTotalTokens'
  | 'maxCostUsd'
  | 'maxDurationMs'
  | 'maxAttempts';

/** Price of a model in USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * What a run may do. Every rule is optional; a rule left out is not checked. Rules are checked
 * before each model call, tool call and step (and the attempt rule when the run starts), and token
 * and cost budgets again once usage is known. Policies are read once per run: treat them as
 * immutable.
 *
 * @example
 * const policy: BoundaryPolicy = {
 *   name: 'invoice-triage',
 *   allowedModels: ['gpt-4o-mini', 'gpt-4.1-*'],
 *   allowedTools: ['lookup_vendor', 'fetch_invoice'],
 *   maxToolCalls: 6,
 *   maxToolCallsPerTool: { lookup_vendor: 2 },
 *   maxTotalTokens: 20_000,
 *   maxCostUsd: 0.05,
 *   prices: { 'gpt-4o-mini*': { input: 0.15, output: 0.6 } },
 *   maxDurationMs: 60_000,
 *   decisions: { maxToolCalls: 'escalate' },
 *   onEscalate: (violation, run) => pager.notify(`${run.name} ${violation.message}`),
 * };
 */
export interface BoundaryPolicy {
  /** `ATTR_RUNPROOF_BOUNDARY_POLICY`; a metric dimension, so keep it low-cardinality. Default: the run name. */
  name?: string;
  /** Models the run may call: exact names or globs (`*`, `?`), matched against the requested model. Default: any. */
  allowedModels?: string[];
  /** Tools the run may call: exact names or globs. Default: any. */
  allowedTools?: string[];
  /** Most model calls in the run. */
  maxModelCalls?: number;
  /** Most tool calls in the run, all tools together. */
  maxToolCalls?: number;
  /** Most calls of each tool, keyed by tool name or glob (`'*'` limits every tool on its own). */
  maxToolCallsPerTool?: Record<string, number>;
  /** Most input + output tokens in the run. Each call reserves its own ceiling (its input estimate plus `max_tokens`) before it is made. */
  maxTotalTokens?: number;
  /** Most spend in the run, in USD, computed from `prices`. Required with it: `prices`. */
  maxCostUsd?: number;
  /** USD per million tokens by model name or glob; the most specific match wins. A model with no price is not counted (and a warning is logged once). */
  prices?: Record<string, ModelPrice>;
  /** Longest the run may take, in milliseconds from its start; past it no new call or step starts. */
  maxDurationMs?: number;
  /** Highest `attempt` the run may start with. */
  maxAttempts?: number;
  /** The decision for each broken rule. Default: `halt` for every rule. */
  decisions?: Partial<Record<BoundaryRuleField, ViolationDecision>>;
  /** Who an escalation goes to; the `ATTR_RUNPROOF_ESCALATION_TARGET` of the escalation event. */
  escalationTarget?: string;
  /** Called (never awaited, errors logged) for each violation whose decision is `escalate`. Code only, not in JSON. */
  onEscalate?: (violation: BoundaryViolation, run: Run) => void | Promise<void>;
}

/** Each rule, its telemetry value (`ATTR_RUNPROOF_BOUNDARY_RULE`) and its default decision. */
export const BOUNDARY_RULES: Readonly<Record<BoundaryRuleField, { rule: string; defaultDecision: ViolationDecision }>> =
  {
    allowedModels: { rule: BOUNDARY_RULE_VALUE_ALLOWED_MODELS, defaultDecision: 'halt' },
    allowedTools: { rule: BOUNDARY_RULE_VALUE_ALLOWED_TOOLS, defaultDecision: 'halt' },
    maxModelCalls: { rule: BOUNDARY_RULE_VALUE_MAX_MODEL_CALLS, defaultDecision: 'halt' },
    maxToolCalls: { rule: BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS, defaultDecision: 'halt' },
    maxToolCallsPerTool: { rule: BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS_PER_TOOL, defaultDecision: 'halt' },
    maxTotalTokens: { rule: BOUNDARY_RULE_VALUE_MAX_TOTAL_TOKENS, defaultDecision: 'halt' },
    maxCostUsd: { rule: BOUNDARY_RULE_VALUE_MAX_COST_USD, defaultDecision: 'halt' },
    maxDurationMs: { rule: BOUNDARY_RULE_VALUE_MAX_DURATION_MS, defaultDecision: 'halt' },
    maxAttempts: { rule: BOUNDARY_RULE_VALUE_MAX_ATTEMPTS, defaultDecision: 'halt' },
  };

const RULE_FIELDS = Object.keys(BOUNDARY_RULES) as BoundaryRuleField[];

/** A validated policy, as the guards use it. */
export interface ResolvedPolicy {
  readonly name: string;
  readonly policy: Readonly<BoundaryPolicy>;
  /** SHA-256 of the policy's canonical JSON (without `onEscalate`); goes into the run manifest. */
  readonly digest: string;
  readonly decisions: Readonly<Record<BoundaryRuleField, ViolationDecision>>;
}

const positiveInteger = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
const positiveNumber = (what: string) =>
  z
    .number({ error: `expected a positive number (${what})` })
    .positive({ error: `expected a positive number (${what})` })
    .finite({ error: `expected a positive number (${what})` });
const nonNegativeNumber = z
  .number({ error: 'expected a number >= 0 (USD per million tokens)' })
  .min(0, { error: 'expected a number >= 0 (USD per million tokens)' })
  .finite();
const pattern = z
  .string({ error: 'expected a name or glob' })
  .trim()
  .min(1, { error: 'expected a non-empty name or glob' });
const names = (what: string) =>
  z
    .array(pattern, { error: `expected an array of ${what} names or globs` })
    .min(1, { error: `expected at least one ${what} name or glob (leave the field out to allow any)` });
const decision = z.enum(['record', 'escalate', 'halt'], { error: 'expected "record", "escalate" or "halt"' });

const declarativeShape = {
  name: z
    .string({ error: 'expected a non-empty string' })
    .trim()
    .min(1, { error: 'expected a non-empty string' })
    .optional(),
  allowedModels: names('model').optional(),
  allowedTools: names('tool').optional(),
  maxModelCalls: positiveInteger.optional(),
  maxToolCalls: positiveInteger.optional(),
  maxToolCallsPerTool: z
    .record(pattern, positiveInteger, { error: 'expected an object of tool name or glob to a positive integer' })
    .optional(),
  maxTotalTokens: positiveInteger.optional(),
  maxCostUsd: positiveNumber('USD').optional(),
  prices: z
    .record(
      pattern,
      z.strictObject(
        { input: nonNegativeNumber, output: nonNegativeNumber },
        { error: 'expected { input, output } in USD per million tokens' },
      ),
      {
        error: 'expected an object of model name or glob to { input, output }',
      },
    )
    .optional(),
  maxDurationMs: positiveInteger.optional(),
  maxAttempts: positiveInteger.optional(),
  decisions: z
    .strictObject(Object.fromEntries(RULE_FIELDS.map((field) => [field, decision.optional()])), {
      error: 'expected an object of rule name to "record", "escalate" or "halt"',
    })
    .optional(),
  escalationTarget: z
    .string({ error: 'expected a non-empty string' })
    .min(1, { error: 'expected a non-empty string' })
    .optional(),
};

function requirePrices(
  policy: { maxCostUsd?: number | undefined; prices?: Record<string, unknown> | undefined },
  context: z.core.$RefinementCtx,
): void {
  if (policy.maxCostUsd !== undefined && (policy.prices === undefined || Object.keys(policy.prices).length === 0)) {
    context.addIssue({
      code: 'custom',
      path: ['prices'],
      message: 'required when maxCostUsd is set (USD per million tokens by model)',
    });
  }
}

/** A policy as the `RUNPROOF_CONFIG` JSON file holds it: no hook. */
export const jsonPolicySchema = z
  .strictObject(declarativeShape, { error: 'expected a policy object' })
  .superRefine(requirePrices);

/** A policy given in code (`run({ boundary })`, `start({ policies })`). */
export const codePolicySchema = z
  .strictObject(
    {
      ...declarativeShape,
      onEscalate: z
        .custom<NonNullable<BoundaryPolicy['onEscalate']>>(
          (value) => typeof value === 'function',
          'expected a function',
        )
        .optional(),
    },
    { error: 'expected a policy object' },
  )
  .superRefine(requirePrices);

/** Policies by run name or glob, as `start({ policies })` and the config file's `policies` hold them. */
export const policiesSchema = (policy: z.ZodType) =>
  z.record(z.string().min(1, { error: 'expected a non-empty run name or glob' }), policy, {
    error: 'expected an object of run name or glob to policy',
  });

const resolvedCache = new WeakMap<object, Map<string, ResolvedPolicy>>();

/**
 * Validates a policy and resolves its name and decisions; throws a `ConfigError` naming each bad
 * field under `source`. Results are cached per policy object.
 *
 * @example
 * resolvePolicy({ maxToolCalls: 2 }, 'invoice-triage').decisions.maxToolCalls // 'halt'
 */
export function resolvePolicy(policy: BoundaryPolicy, runName: string, source = 'run({ boundary })'): ResolvedPolicy {
  const cached = resolvedCache.get(policy)?.get(runName);
  if (cached !== undefined) return cached;
  const result = codePolicySchema.safeParse(policy);
  if (!result.success) throw new ConfigError(source, result.error.issues.map(toIssue));
  const { onEscalate, ...declared } = result.data;
  const decisions = Object.fromEntries(
    RULE_FIELDS.map((field) => [field, declared.decisions?.[field] ?? BOUNDARY_RULES[field].defaultDecision]),
  ) as Record<BoundaryRuleField, ViolationDecision>;
  const name = declared.name ?? runName;
  const resolved: ResolvedPolicy = Object.freeze({
    name,
    policy: Object.freeze({ ...declared, name, onEscalate }),
    digest: digest({ ...declared, name, decisions }),
    decisions: Object.freeze(decisions),
  });
  let byRun = resolvedCache.get(policy);
  if (byRun === undefined) resolvedCache.set(policy, (byRun = new Map<string, ResolvedPolicy>()));
  byRun.set(runName, resolved);
  return resolved;
}

/** Zod issue → `{ code, path, message }`, with unknown keys named. */
export function toIssue(issue: z.core.$ZodIssue): Issue {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  if (issue.code === 'unrecognized_keys')
    return {
      code: issue.code,
      path,
      message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`,
    };
  return { code: issue.code, path, message: issue.message };
}

interface StartedSdk {
  handle: { config?: { policies?: Record<string, BoundaryPolicy> } } | undefined;
}
const sdkSlot = globalSlot<StartedSdk>('sdk', () => ({ handle: undefined }));

/**
 * The policy `start()` (options or config file) declared for runs of this name, if any: under the
 * run name itself, else under the most specific glob that matches it (see {@link findPolicyKey}).
 */
export function configuredPolicy(runName: string): BoundaryPolicy | undefined {
  const policies = sdkSlot.handle?.config?.policies;
  if (policies === undefined) return undefined;
  const key = findPolicyKey(policies, runName);
  return key === undefined ? undefined : policies[key];
}
