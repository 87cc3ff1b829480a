/**
 * Every telemetry name Runproof emits. Users build dashboards and alerts on these, so a change here
 * is a breaking change; `docs/semantic-conventions.md` documents each one. No other module spells an
 * attribute, event or metric name as a string literal (the `lint` script checks this).
 *
 * GenAI names follow the latest experimental OpenTelemetry GenAI semantic conventions; they are
 * re-declared here rather than imported from `@opentelemetry/semantic-conventions/incubating`,
 * which the OpenTelemetry project asks libraries not to depend on at run time.
 */

/**
 * The schema URL every Runproof tracer and meter carries: the OpenTelemetry semantic conventions
 * v1.41.1, the last release holding the GenAI conventions, whose names Runproof emits.
 */
export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.41.1';

// ---- GenAI (OpenTelemetry semantic conventions) ----------------------------------------------
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_WORKFLOW_NAME = 'gen_ai.workflow.name';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions';
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** Event `gen_ai.evaluation.result`: a checkpoint's verdict on the span whose output it judged. */
export const EVENT_GEN_AI_EVALUATION_RESULT = 'gen_ai.evaluation.result';
export const ATTR_GEN_AI_EVALUATION_NAME = 'gen_ai.evaluation.name';
export const ATTR_GEN_AI_EVALUATION_SCORE_LABEL = 'gen_ai.evaluation.score.label';
export const ATTR_GEN_AI_EVALUATION_EXPLANATION = 'gen_ai.evaluation.explanation';
export const ATTR_OPENAI_API_TYPE = 'openai.api.type';
export const ATTR_OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier';
export const ATTR_OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';
export const ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint';
export const ATTR_OPENAI_REQUEST_ID = 'openai.request.id';

// ---- General OpenTelemetry ---------------------------------------------------------------------
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';
export const ATTR_TELEMETRY_SDK_NAME = 'telemetry.distro.name';
export const ATTR_TELEMETRY_SDK_VERSION = 'telemetry.distro.version';

export const GEN_AI_OPERATION_VALUE_CHAT = 'chat';
export const GEN_AI_OPERATION_VALUE_EMBEDDINGS = 'embeddings';
export const GEN_AI_OPERATION_VALUE_TEXT_COMPLETION = 'text_completion';
export const GEN_AI_OPERATION_VALUE_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_VALUE_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_VALUE_INVOKE_WORKFLOW = 'invoke_workflow';
export const GEN_AI_PROVIDER_VALUE_OPENAI = 'openai';
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';
export const GEN_AI_OUTPUT_TYPE_VALUE_TEXT = 'text';
export const GEN_AI_OUTPUT_TYPE_VALUE_JSON = 'json';
export const OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS = 'chat_completions';
export const OPENAI_API_TYPE_VALUE_RESPONSES = 'responses';
export const OPENAI_API_TYPE_VALUE_EMBEDDINGS = 'embeddings';
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';
export const ERROR_TYPE_VALUE_CANCELLED = 'cancelled';
/** A 200 response that is not in the endpoint's format (a gateway's HTML page instead of JSON or an event stream). */
export const ERROR_TYPE_VALUE_INVALID_RESPONSE = 'invalid_response';

export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
/** Histogram (s), streamed calls only: from the request to the first chunk the caller received. */
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';
/** Histogram (s), streamed calls only: the time between chunks after the first. */
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.operation.time_per_output_chunk';

/** Bucket boundaries the GenAI conventions specify for the client metrics (the durations share one set). */
export const GEN_AI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
export const GEN_AI_TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];

// ---- Runproof: runs ----------------------------------------------------------------------------
export const ATTR_RUNPROOF_RUN_ID = 'runproof.run.id';
/** On a run span: the id of the run (or upstream service's run, from baggage) it was started inside. */
export const ATTR_RUNPROOF_RUN_PARENT_ID = 'runproof.run.parent_id';
export const ATTR_RUNPROOF_RUN_NAME = 'runproof.run.name';
export const ATTR_RUNPROOF_RUN_ATTEMPT = 'runproof.run.attempt';
export const ATTR_RUNPROOF_RUN_CONTINUATION = 'runproof.run.continuation';
export const ATTR_RUNPROOF_RUN_OUTCOME = 'runproof.run.outcome';
export const ATTR_RUNPROOF_RUN_FINGERPRINT = 'runproof.run.fingerprint';
export const ATTR_RUNPROOF_RUN_OBSERVED_DIGEST = 'runproof.run.observed_digest';
export const ATTR_RUNPROOF_OWNER_TECHNICAL = 'runproof.owner.technical';
export const ATTR_RUNPROOF_OWNER_OPERATIONAL = 'runproof.owner.operational';
export const ATTR_RUNPROOF_STEP_NAME = 'runproof.step.name';
export const ATTR_RUNPROOF_STEP_REPLAYED = 'runproof.step.replayed';

// ---- Runproof: durable runs (continuity) ---------------------------------------------------------
/** On a step span: true when its input digest differs from the one journaled; the step ran again. */
export const ATTR_RUNPROOF_STEP_DIVERGED = 'runproof.step.diverged';
/** On a step span of a durable run: the step's path and occurrence in its run, e.g. `classify#1`. */
export const ATTR_RUNPROOF_STEP_KEY = 'runproof.step.key';
/** On a step span: the digest of the input the step declared (`step(name, fn, { input })`). */
export const ATTR_RUNPROOF_STEP_INPUT_DIGEST = 'runproof.step.input_digest';
/** Event on a diverged step's span, with the journaled digest (`runproof.step.recorded_input_digest`) and the new one. */
export const EVENT_RUNPROOF_STEP_DIVERGED = 'runproof.step.diverged';
export const ATTR_RUNPROOF_STEP_RECORDED_INPUT_DIGEST = 'runproof.step.recorded_input_digest';
/** On a run span: true when the run had completed before and its journaled result was returned without running. */
export const ATTR_RUNPROOF_RUN_REPLAYED = 'runproof.run.replayed';
/** On a durable run's span: the kind of store its journal is in (`sqlite`, `postgres`, `redis`). */
export const ATTR_RUNPROOF_RUN_STORE = 'runproof.run.store';
/** Event on the run span when the run is handed off, with its target and reason. */
export const EVENT_RUNPROOF_RUN_HANDOFF = 'runproof.run.handoff';
export const ATTR_RUNPROOF_HANDOFF_TARGET = 'runproof.handoff.target';
export const ATTR_RUNPROOF_HANDOFF_REASON = 'runproof.handoff.reason';
/** Gauge: durable runs waiting on a handoff, by run name and target (read from the store). */
export const METRIC_RUNPROOF_HANDOFFS_WAITING = 'runproof.handoffs.waiting';
/** Histogram (s): how long a handoff waited until its target resumed the run, by run name and target. */
export const METRIC_RUNPROOF_HANDOFF_WAIT = 'runproof.handoff.wait';
export const EVENT_RUNPROOF_RUN_MANIFEST = 'runproof.run.manifest';
/** Attribute of the manifest event: the canonical manifest JSON. */
export const ATTR_RUNPROOF_MANIFEST = 'runproof.manifest';
/** Attribute of the manifest event: true when the manifest JSON was cut to the size cap. */
export const ATTR_RUNPROOF_MANIFEST_TRUNCATED = 'runproof.manifest.truncated';

export const RUN_CONTINUATION_VALUE_NEW = 'new';
export const RUN_CONTINUATION_VALUE_RETRY = 'retry';
export const RUN_CONTINUATION_VALUE_RESUME = 'resume';
export const RUN_CONTINUATION_VALUE_HANDOFF = 'handoff';
export const RUN_CONTINUATION_VALUE_FORK = 'fork';
export const RUN_OUTCOME_VALUE_COMPLETED = 'completed';
export const RUN_OUTCOME_VALUE_FAILED = 'failed';
export const RUN_OUTCOME_VALUE_HALTED = 'halted';
export const RUN_OUTCOME_VALUE_ESCALATED = 'escalated';
export const RUN_OUTCOME_VALUE_HANDED_OFF = 'handed_off';

/** W3C baggage key that carries the run id to downstream services. */
export const BAGGAGE_RUNPROOF_RUN_ID = 'runproof.run.id';

// ---- Runproof: calls ---------------------------------------------------------------------------
export const ATTR_RUNPROOF_CALL_FINGERPRINT = 'runproof.call.fingerprint';
export const ATTR_RUNPROOF_CALL_ATTEMPTS = 'runproof.call.attempts';
export const ATTR_RUNPROOF_INPUT_DIGEST = 'runproof.input.digest';
export const ATTR_RUNPROOF_OUTPUT_SHAPE = 'runproof.output.shape';

// ---- Runproof: boundaries ----------------------------------------------------------------------
export const ATTR_RUNPROOF_BOUNDARY_DECISION = 'runproof.boundary.decision';
export const ATTR_RUNPROOF_BOUNDARY_POLICY = 'runproof.boundary.policy';
export const ATTR_RUNPROOF_BOUNDARY_RULE = 'runproof.boundary.rule';
export const ATTR_RUNPROOF_BOUNDARY_LIMIT = 'runproof.boundary.limit';
export const ATTR_RUNPROOF_BOUNDARY_OBSERVED = 'runproof.boundary.observed';
export const EVENT_RUNPROOF_BOUNDARY_VIOLATION = 'runproof.boundary.violation';
/** True on a model span whose usage the provider did not report, when a token or cost budget counted an estimate of it instead (`gen_ai.usage.*` stay unset). */
export const ATTR_RUNPROOF_USAGE_ESTIMATED = 'runproof.usage.estimated';
export const BOUNDARY_DECISION_VALUE_ALLOW = 'allow';
export const BOUNDARY_DECISION_VALUE_RECORD = 'record';
export const BOUNDARY_DECISION_VALUE_ESCALATE = 'escalate';
export const BOUNDARY_DECISION_VALUE_HALT = 'halt';
/** Values of `runproof.boundary.rule`: one per policy rule (the policy field, in snake case). */
export const BOUNDARY_RULE_VALUE_ALLOWED_MODELS = 'allowed_models';
export const BOUNDARY_RULE_VALUE_ALLOWED_TOOLS = 'allowed_tools';
export const BOUNDARY_RULE_VALUE_MAX_MODEL_CALLS = 'max_model_calls';
export const BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS = 'max_tool_calls';
export const BOUNDARY_RULE_VALUE_MAX_TOOL_CALLS_PER_TOOL = 'max_tool_calls_per_tool';
export const BOUNDARY_RULE_VALUE_MAX_TOTAL_TOKENS = 'max_total_tokens';
export const BOUNDARY_RULE_VALUE_MAX_COST_USD = 'max_cost_usd';
export const BOUNDARY_RULE_VALUE_MAX_DURATION_MS = 'max_duration_ms';
export const BOUNDARY_RULE_VALUE_MAX_ATTEMPTS = 'max_attempts';

// ---- Runproof: validation ----------------------------------------------------------------------
export const ATTR_RUNPROOF_VALIDATION_OUTCOME = 'runproof.validation.outcome';
export const ATTR_RUNPROOF_VALIDATION_CHECKPOINT = 'runproof.validation.checkpoint';
export const ATTR_RUNPROOF_VALIDATION_SCHEMA_DIGEST = 'runproof.validation.schema.digest';
export const ATTR_RUNPROOF_VALIDATION_ISSUE_COUNT = 'runproof.validation.issue_count';
export const ATTR_RUNPROOF_VALIDATION_ISSUE_CODES = 'runproof.validation.issue.codes';
export const ATTR_RUNPROOF_VALIDATION_ISSUE_PATHS = 'runproof.validation.issue.paths';
/** Attribute of the failure event, only when content capture is on: the issues' messages. */
export const ATTR_RUNPROOF_VALIDATION_ISSUE_MESSAGES = 'runproof.validation.issue.messages';
export const EVENT_RUNPROOF_VALIDATION_FAILURE = 'runproof.validation.failure';
export const VALIDATION_OUTCOME_VALUE_PASS = 'pass';
export const VALIDATION_OUTCOME_VALUE_FAIL = 'fail';
export const VALIDATION_OUTCOME_VALUE_REPAIRED = 'repaired';
export const VALIDATION_OUTCOME_VALUE_NONE = 'none';
/** Issue codes of the automatic checks (schema issues keep their validator's codes). */
export const VALIDATION_ISSUE_CODE_VALUE_INVALID_JSON = 'invalid_json';
export const VALIDATION_ISSUE_CODE_VALUE_UNDECLARED_TOOL = 'undeclared_tool';
export const VALIDATION_ISSUE_CODE_VALUE_REFUSAL = 'refusal';
export const VALIDATION_ISSUE_CODE_VALUE_TRUNCATED = 'truncated';
export const VALIDATION_ISSUE_CODE_VALUE_CONTENT_FILTER = 'content_filter';

// ---- Runproof: drift, escalation, outcomes ------------------------------------------------------
export const EVENT_RUNPROOF_DRIFT = 'runproof.drift';
export const ATTR_RUNPROOF_DRIFT_KIND = 'runproof.drift.kind';
export const ATTR_RUNPROOF_DRIFT_BASELINE = 'runproof.drift.baseline';
export const ATTR_RUNPROOF_DRIFT_OBSERVED = 'runproof.drift.observed';
export const ATTR_RUNPROOF_DRIFT_DETECTED = 'runproof.drift.detected';
export const DRIFT_KIND_VALUE_OUTPUT_SHAPE = 'output_shape';
export const DRIFT_KIND_VALUE_RESOLVED_MODEL = 'resolved_model';
export const DRIFT_KIND_VALUE_SYSTEM_FINGERPRINT = 'system_fingerprint';
/** A checkpoint's or a step's input changed structure (keys and types; never values). */
export const DRIFT_KIND_VALUE_INPUT_SHAPE = 'input_shape';
/** Drift event attribute: when the baseline value was first seen (ISO 8601, UTC), by any process sharing the store. */
export const ATTR_RUNPROOF_DRIFT_BASELINE_FIRST_SEEN = 'runproof.drift.baseline_first_seen';
/** Drift event attribute: what the value was compared with, the fleet's baseline (`store`) or this process's (`process`). */
export const ATTR_RUNPROOF_DRIFT_BASELINE_SOURCE = 'runproof.drift.baseline_source';
export const DRIFT_BASELINE_SOURCE_VALUE_STORE = 'store';
export const DRIFT_BASELINE_SOURCE_VALUE_PROCESS = 'process';
/** Drift event attributes of `input_shape`: paths of the fields the input gained and lost (string arrays). */
export const ATTR_RUNPROOF_DRIFT_FIELDS_ADDED = 'runproof.drift.fields_added';
export const ATTR_RUNPROOF_DRIFT_FIELDS_REMOVED = 'runproof.drift.fields_removed';
export const EVENT_RUNPROOF_ESCALATION = 'runproof.escalation';
export const ATTR_RUNPROOF_ESCALATION_REASON = 'runproof.escalation.reason';
export const ATTR_RUNPROOF_ESCALATION_TARGET = 'runproof.escalation.target';
export const EVENT_RUNPROOF_OUTCOME = 'runproof.outcome';
export const ATTR_RUNPROOF_OUTCOME_NAME = 'runproof.outcome.name';
export const ATTR_RUNPROOF_OUTCOME_VALUE = 'runproof.outcome.value';
export const ATTR_RUNPROOF_OUTCOME_UNIT = 'runproof.outcome.unit';
export const ATTR_RUNPROOF_OUTCOME_STATUS = 'runproof.outcome.status';

// ---- Runproof: evidence (signed run attestations) --------------------------------------------------
/** Event on the run span when a signing key is configured: the run's DSSE envelope (an in-toto Statement v1). */
export const EVENT_RUNPROOF_RUN_ATTESTATION = 'runproof.run.attestation';
/** Attribute of the attestation event: the DSSE envelope as JSON. */
export const ATTR_RUNPROOF_ATTESTATION_ENVELOPE = 'runproof.attestation.envelope';
/** Attribute of the attestation event: the signing key's id (lowercase hex SHA-256 of its public key's SPKI DER). */
export const ATTR_RUNPROOF_ATTESTATION_KEY_ID = 'runproof.attestation.key_id';
/** On a run span when a signing key is configured: whether its attestation was made (`signed`, `unsigned`, `failed`). */
export const ATTR_RUNPROOF_EVIDENCE_STATUS = 'runproof.evidence.status';
export const EVIDENCE_STATUS_VALUE_SIGNED = 'signed';
export const EVIDENCE_STATUS_VALUE_UNSIGNED = 'unsigned';
export const EVIDENCE_STATUS_VALUE_FAILED = 'failed';
/** Attribute name prefixes whose attributes (and events) a span's ledger digest covers. */
export const NAMESPACE_PREFIX_RUNPROOF = 'runproof.';
export const NAMESPACE_PREFIX_GEN_AI = 'gen_ai.';
/** The GenAI conventions' OpenAI attributes (`openai.response.system_fingerprint`, …): covered too. */
export const NAMESPACE_PREFIX_OPENAI = 'openai.';

// ---- Runproof: metrics --------------------------------------------------------------------------
export const METRIC_RUNPROOF_VALIDATION_CHECKS = 'runproof.validation.checks';
export const METRIC_RUNPROOF_BOUNDARY_DECISIONS = 'runproof.boundary.decisions';
export const METRIC_RUNPROOF_DRIFT_EVENTS = 'runproof.drift.events';
export const METRIC_RUNPROOF_RUNS = 'runproof.runs';
export const METRIC_RUNPROOF_RUN_DURATION = 'runproof.run.duration';

// ---- Runproof: LangChain / LangGraph (from @runproof/langchain-adapter) --------------------------
/** Boolean: the step (a LangGraph node, or the graph run) paused at `interrupt()`; not an error. */
export const ATTR_RUNPROOF_STEP_INTERRUPTED = 'runproof.step.interrupted';
/** Boolean on a failed tool span: the framework turned the error into a tool message the model saw. */
export const ATTR_RUNPROOF_ERROR_HANDLED = 'runproof.error.handled';
export const ATTR_RUNPROOF_LANGGRAPH_STEP = 'runproof.langgraph.step';
export const ATTR_RUNPROOF_LANGGRAPH_NODE = 'runproof.langgraph.node';
export const ATTR_RUNPROOF_LANGGRAPH_TRIGGERS = 'runproof.langgraph.triggers';
export const ATTR_RUNPROOF_LANGGRAPH_PATH = 'runproof.langgraph.path';
export const ATTR_RUNPROOF_LANGGRAPH_CHECKPOINT_NS = 'runproof.langgraph.checkpoint_ns';
export const GEN_AI_OPERATION_VALUE_RETRIEVAL = 'retrieval';
export const GEN_AI_TOOL_TYPE_VALUE_FUNCTION = 'function';
/** Checkpoint of the LangChain adapter's check that a model called only tools it was offered. */
export const VALIDATION_CHECKPOINT_VALUE_TOOL_CALLS = 'tool_calls';
/** Automatic checkpoints of the provider adapters: structured output against its schema, and how the output ended. */
export const VALIDATION_CHECKPOINT_VALUE_RESPONSE_FORMAT = 'response_format';
export const VALIDATION_CHECKPOINT_VALUE_FINISH = 'finish';
/** LangChain's output parsers: a parser that rejected the model's output. */
export const VALIDATION_CHECKPOINT_VALUE_OUTPUT_PARSER = 'output_parser';
export const VALIDATION_ISSUE_CODE_VALUE_OUTPUT_PARSER = 'output_parser';

// ---- Runproof: span names and generic values ------------------------------------------------------
/** Span name prefixes: `step {step name}`, `validate {checkpoint name}`. */
export const SPAN_NAME_PREFIX_STEP = 'step';
export const SPAN_NAME_PREFIX_VALIDATE = 'validate';
/** Issue code when a schema library reports an issue without one. */
export const VALIDATION_ISSUE_CODE_VALUE_INVALID = 'invalid';
