/**
 * @module dsl/schema
 * The zod schema of the workflow language as written (before normalisation): the source of truth
 * for accepted shapes and the origin of `workflow.schema.json`. Objects are strict so that typos in
 * keys are errors; `with` (the node type decides), `inputs` (a JSON Schema), `context` and trigger
 * `input` are open.
 *
 * Graph rules, parameters, expressions and references are checked in code, not here: they need the
 * node registry and the whole graph.
 */
import { z } from 'zod';
import { MAX_RATE_LIMIT, MAX_RATE_PER_MS } from '../ports/rate-buckets.js';
import { MAX_BUDGET_TOKENS } from '../ports/token-budgets.js';
import { parseDuration } from '../runtime/time.js';

/** Descriptions (and $def ids) for the published JSON Schema, kept off zod's global registry. */
export const dslMetadata = z.registry<{ id?: string; description?: string; title?: string }>();

function doc<T extends z.ZodType>(schema: T, description: string, id?: string): T {
  dslMetadata.add(schema, id === undefined ? { description } : { description, id });
  return schema;
}

/** Patterns of SPEC section 1. */
export const WORKFLOW_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const NODE_ID_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;

const MAX_TIMER_MS = 2_147_483_647; // the largest delay Node's timers accept (~24.8 days)
const YEAR_MS = 365 * 24 * 3600 * 1000;

const workflowId = doc(
  z.string().regex(WORKFLOW_ID_PATTERN, {
    error:
      'workflow id must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lower-case letters, digits, `_` and `-`)',
  }),
  'Workflow id: lower-case letters, digits, `_` and `-`, at most 64 characters.',
);

const nodeId = doc(
  z.string().regex(NODE_ID_PATTERN, {
    error:
      'node id must match ^[a-zA-Z_][a-zA-Z0-9_]{0,63}$ (letters, digits and `_`, not starting with a digit)',
  }),
  'Node id: letters, digits and `_`, not starting with a digit; usable in expressions as `<id>.field`.',
);

const expression = doc(
  z.string().min(1),
  'A JSONata expression (bare, or wrapped as a single `{{ }}`).',
);

const positiveMs = (max: number) => z.number().int().min(1).max(max);

export const RetrySchema = doc(
  z.strictObject({
    max_attempts: doc(
      z.number().int().min(1).max(100),
      'Total attempts including the first; 1 = no retry.',
    ).optional(),
    backoff: doc(z.enum(['fixed', 'exponential']), 'Delay growth between attempts.').optional(),
    initial_ms: doc(
      z.number().int().min(0).max(86_400_000),
      'Delay before the second attempt, in ms.',
    ).optional(),
    max_ms: doc(
      z.number().int().min(0).max(86_400_000),
      'Cap on any single delay, in ms.',
    ).optional(),
    multiplier: doc(z.number().min(1).max(10), 'Growth factor for exponential backoff.').optional(),
    jitter: doc(z.boolean(), 'Randomise each delay within [delay/2, delay].').optional(),
  }),
  'Retry policy; only errors marked retryable are retried.',
  'RetryPolicy',
);

export const OnErrorSchema = doc(
  z.union(
    [
      z.enum(['fail', 'continue', 'branch']),
      // zod 4 treats an unknown-typed key of a strict object as required, as wanted here.
      z.strictObject({ return: doc(z.unknown(), 'The output to go on with.') }),
    ],
    { error: 'on_error must be fail, continue, branch or { return: <value> }' },
  ),
  'What a failure (after retries) does: fail the run, continue with output null, take the `error` port, or continue with the given output.',
  'OnError',
);

const timeoutMs = doc(positiveMs(MAX_TIMER_MS), 'Timeout of one attempt, in ms.');

export const EdgeSchema = doc(
  z.strictObject({
    from: doc(z.string().min(1), 'Source node id.'),
    port: doc(z.string().min(1), 'Source port; `out` when left out.').optional(),
    to: doc(z.string().min(1), 'Target node id.'),
  }),
  'An edge between two nodes of the same level.',
  'Edge',
);

const NeedSchema = z.union(
  [
    z.string().min(1),
    z.strictObject({
      node: doc(z.string().min(1), 'Node id this node depends on.'),
      port: doc(z.string().min(1), "That node's port; `out` when left out.").optional(),
    }),
  ],
  { error: 'a `needs` entry must be a node id or { node, port }' },
);

const tokenBudget = doc(
  z.number().int().min(1).max(1e12),
  'Model tokens (prompt and completion) the `llm` and `agent` calls may spend in all.',
);

/** A duration text (`PT1S`, `1000`) of more than 0 ms that a rate's window can be. */
export function isRateWindow(text: string): boolean {
  try {
    const ms = parseDuration(text);
    return ms > 0 && ms <= MAX_RATE_PER_MS;
  } catch {
    return false;
  }
}

/** The longest a debounced start can be pushed back (`debounce.period`, `debounce.timeout`). */
export const MAX_DEBOUNCE_MS = 7 * 86_400_000;

/** A duration text (`PT30S`, `5000`) above 0 ms and within {@link MAX_DEBOUNCE_MS}. */
function isDebounceDuration(text: string): boolean {
  try {
    const ms = parseDuration(text);
    return ms > 0 && ms <= MAX_DEBOUNCE_MS;
  } catch {
    return false;
  }
}

const DEBOUNCE_ERROR = `must be a duration above 0: milliseconds, or ISO 8601 such as PT30S or PT5M (at most P7D)`;

const debounceDuration = (name: string) =>
  z.union(
    [
      z.number().int().positive().max(MAX_DEBOUNCE_MS),
      z.string().refine(isDebounceDuration, { error: DEBOUNCE_ERROR }),
    ],
    {
      error: (iss) =>
        iss.input === undefined ? `missing required key \`${name}\`` : DEBOUNCE_ERROR,
    },
  );

/** A start key's template (`singleton.key`, `debounce.key`): its text, not its value, is bounded. */
const startKeyTemplate = doc(
  z.string().min(1).max(1000),
  'Template over `inputs` and `run` (`run.workflow`, `run.version`) giving the key value: a non-empty string or a number of at most 256 characters.',
);

const RATE_PER_ERROR = `must be a duration above 0: milliseconds, or ISO 8601 such as PT1S or PT1M (at most ${MAX_RATE_PER_MS} ms)`;

export const RateSchema = doc(
  z.strictObject({
    limit: doc(
      z
        .number()
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be a whole number, 1 or more' })
        .max(MAX_RATE_LIMIT),
      'Executions started at most in any window of `per`.',
    ),
    per: doc(
      z.union(
        [
          z.number().positive().max(MAX_RATE_PER_MS),
          z.string().refine(isRateWindow, { error: RATE_PER_ERROR }),
        ],
        {
          error: (iss) => (iss.input === undefined ? 'missing required key `per`' : RATE_PER_ERROR),
        },
      ),
      'The window: milliseconds, or an ISO 8601 duration (`PT1S`, `PT1M`).',
    ),
    key: doc(
      z.string().min(1).max(200),
      "The bucket's name, shared by every node of the tenant that gives it; else the node's `with.credential`, else its type.",
    ).optional(),
  }),
  'At most `limit` executions started in any window of `per`, counted across every worker and run of the tenant, per credential or node type (or `key`).',
  'Rate',
);

export const BudgetSchema = doc(
  z.strictObject({
    tokens: doc(
      z
        .number()
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be a whole number, 1 or more' })
        .max(MAX_BUDGET_TOKENS),
      'Model tokens (prompt and completion) the calls of the bucket may spend in each period.',
    ),
    per: doc(
      z.union(
        [
          z.number().positive().max(MAX_RATE_PER_MS),
          z.string().refine(isRateWindow, { error: RATE_PER_ERROR }),
        ],
        {
          error: (iss) => (iss.input === undefined ? 'missing required key `per`' : RATE_PER_ERROR),
        },
      ),
      'The period: milliseconds, or an ISO 8601 duration (`PT1H`, `P1D`); periods are aligned to the epoch in UTC (`P1D` starts at 00:00 UTC).',
    ),
    key: doc(
      z.string().min(1).max(200),
      "The bucket's name, shared by every node of the tenant that gives it; else the node's `with.credential`, else its type.",
    ).optional(),
  }),
  'At most `tokens` model tokens spent in each period of `per`, counted across every worker and run of the tenant, per credential or node type (or `key`); `llm` and `agent` nodes only.',
  'Budget',
);

export const NodeSchema = doc(
  z.strictObject({
    id: nodeId,
    type: doc(z.string().min(1), 'A registered node type.'),
    name: doc(z.string(), 'Display name.').optional(),
    description: z.string().optional(),
    with: doc(
      z.record(z.string(), z.unknown()),
      "Parameters of the node type; strings may hold `{{ }}` templates. Checked against the type's schema.",
    ).optional(),
    when: doc(expression, 'Condition: when false, the node is skipped.').optional(),
    needs: doc(z.array(NeedSchema), 'Dependencies, turned into edges by the parser.').optional(),
    retry: RetrySchema.optional(),
    timeout_ms: timeoutMs.optional(),
    on_error: OnErrorSchema.optional(),
    limits: doc(
      z.strictObject({ tokens: tokenBudget.optional() }),
      "Limits of the node's executions.",
    ).optional(),
    rate: RateSchema.optional(),
    budget: BudgetSchema.optional(),
    join: doc(
      z.enum(['all', 'any']),
      'all: run when every incoming edge is resolved (default); any: run on the first taken edge.',
    ).optional(),
    get nodes() {
      return doc(z.array(NodeSchema), 'Body of a `foreach` or `loop` node.').optional();
    },
    edges: doc(z.array(EdgeSchema), 'Edges of the body of a `foreach` or `loop` node.').optional(),
  }),
  'A node: one step of the workflow.',
  'Node',
);

const WEBHOOK_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

const WebhookTrigger = z.strictObject({
  type: z.literal('webhook'),
  path: doc(
    z.string().max(200).regex(WEBHOOK_PATH, {
      error:
        'webhook path: segments of letters, digits, `_`, `-` and `.` separated by `/`, without a leading `/`',
    }),
    'Served at /v1/hooks/{tenant}/{path}.',
  ),
  method: doc(
    z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    'HTTP method; POST when left out.',
  ).optional(),
  secret: doc(z.string().min(1), 'HMAC secret authenticating the caller.').optional(),
});

const CRON_NICKNAMES = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);
const CRON_FIELD = /^[0-9A-Za-z*?/,#-]+$/;

/** Five fields, or six with seconds first, or a nickname; the scheduler does the full parse. */
export function isCronSchedule(s: string): boolean {
  const t = s.trim();
  if (CRON_NICKNAMES.has(t.toLowerCase())) return true;
  const fields = t.split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f));
}

/** Whether the runtime knows an IANA time zone name. */
export function isTimeZone(s: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: s });
    return true;
  } catch {
    return false;
  }
}

const CronTrigger = z.strictObject({
  type: z.literal('cron'),
  schedule: doc(
    z.string().refine(isCronSchedule, {
      error:
        'cron schedule must have 5 fields (minute hour day month weekday), or 6 with seconds first',
    }),
    'Cron expression: 5 fields, or 6 with seconds first.',
  ),
  timezone: doc(
    z
      .string()
      .refine(isTimeZone, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}` }),
    'IANA time zone, e.g. Europe/Paris.',
  ).optional(),
  input: doc(z.record(z.string(), z.unknown()), 'Input of the runs it starts.').optional(),
});

const ManualTrigger = z.strictObject({ type: z.literal('manual') });

export const TriggerSchema = doc(
  z.discriminatedUnion('type', [WebhookTrigger, CronTrigger, ManualTrigger], {
    error: 'trigger type must be webhook, cron or manual',
  }),
  'What starts runs besides the API, CLI and library.',
  'Trigger',
);

const TransitionObject = z.strictObject({
  target: doc(z.string().min(1), 'State to go to.'),
  guard: doc(expression, 'Condition on `event`, `context` and `inputs`.').optional(),
  assign: doc(z.record(z.string(), z.unknown()), 'Context updates: key -> template.').optional(),
});

const Transition = z.union([z.string().min(1), TransitionObject], {
  error: 'a transition must be a state name or { target, guard?, assign? }',
});

/**
 * One transition, or guarded candidates tried in order (the first whose guard holds is taken). A
 * new schema at each use, so that one use's description is not every use's.
 */
const transitions = () =>
  z.union([Transition, z.array(Transition).min(1)], {
    error:
      'a transition must be a state name, { target, guard?, assign? } or a list of those tried in order',
  });

export const StateSchema = doc(
  z.strictObject({
    type: doc(z.enum(['normal', 'final']), 'final: the run ends in this state.').optional(),
    description: z.string().optional(),
    on: doc(z.record(z.string().min(1), transitions()), 'Event type -> transition.').optional(),
    after: doc(
      z.record(z.string().min(1), transitions()),
      'Delay (ISO 8601 duration or ms) -> transition.',
    ).optional(),
    always: doc(
      transitions(),
      'Eventless transitions, taken as soon as their guard holds on entering.',
    ).optional(),
    entry: doc(z.array(NodeSchema), 'Actions run on entering the state.').optional(),
    exit: doc(z.array(NodeSchema), 'Actions run on leaving the state.').optional(),
    initial: doc(z.string().min(1), 'Compound state: its initial child state.').optional(),
    // A getter: the schema of a state holds states (compound states), which zod builds lazily.
    get states() {
      return doc(
        z.record(z.string().min(1), StateSchema),
        'Compound state: its child states by name.',
      ).optional();
    },
  }),
  'A state of a state-machine workflow.',
  'State',
);

export const WorkflowSchema = doc(
  z.strictObject({
    $schema: doc(z.string(), 'For editors: the JSON Schema of this file.').optional(),
    id: workflowId,
    name: doc(z.string(), 'Display name.').optional(),
    description: z.string().optional(),
    kind: doc(z.enum(['graph', 'state-machine']), 'graph (default) or state-machine.').optional(),
    inputs: doc(
      z.record(z.string(), z.unknown()),
      'JSON Schema (draft 2020-12) of the input object.',
    ).optional(),
    outputs: doc(
      z.record(z.string(), z.unknown()),
      'Output name -> template, evaluated when the run succeeds.',
    ).optional(),
    defaults: doc(
      z.strictObject({
        timeout_ms: timeoutMs.optional(),
        retry: RetrySchema.optional(),
        on_error: OnErrorSchema.optional(),
      }),
      'Defaults for every node.',
    ).optional(),
    limits: doc(
      z.strictObject({
        max_concurrency: doc(
          z.number().int().min(1).max(10_000),
          'Nodes of one run running at once.',
        ).optional(),
        timeout_ms: doc(positiveMs(YEAR_MS), 'Timeout of the whole run, in ms.').optional(),
        tokens: tokenBudget.optional(),
      }),
      'Limits of each run.',
    ).optional(),
    retention: doc(
      z.strictObject({
        days: doc(
          z.number().positive().max(36_500),
          'Finished runs are deleted this many days after they finished.',
        ).optional(),
        runs: doc(
          z.number().int().min(1).max(100_000_000),
          'Only the newest this many finished runs are kept.',
        ).optional(),
      }),
      'How long finished runs are kept (past either bound they are deleted and their disk returned); instead of the engine-wide default.',
    ).optional(),
    concurrency: doc(
      z.strictObject({
        key: doc(z.string().min(1), 'Template over `inputs` and `run` giving the key.'),
        limit: doc(z.number().int().min(1).max(100_000), 'Running runs per key value.'),
      }),
      'At most `limit` running runs per key value.',
    ).optional(),
    singleton: doc(
      z.strictObject({
        key: startKeyTemplate,
        mode: doc(
          z.enum(['skip', 'cancel']),
          '`skip` (default): a start while a run of the key is unfinished starts nothing and answers with that run. `cancel`: that run is cancelled and the new one starts.',
        ).optional(),
      }),
      'At most one unfinished run per key value.',
    ).optional(),
    debounce: doc(
      z.strictObject({
        key: startKeyTemplate,
        period: doc(
          debounceDuration('period'),
          'Starts of one key value this close together make one run, `period` after the last of them, with its input: milliseconds or ISO 8601 (`PT30S`).',
        ),
        timeout: doc(
          debounceDuration('timeout'),
          'The longest the first start of a burst is pushed back: its run starts at most this long after it, whatever follows. At least `period`.',
        ).optional(),
      }),
      'Coalesces bursts of starts into one run with the last input.',
    ).optional(),
    triggers: z.array(TriggerSchema).optional(),
    nodes: doc(z.array(NodeSchema), 'The nodes of a graph workflow.').optional(),
    edges: doc(z.array(EdgeSchema), 'The edges of a graph workflow.').optional(),
    initial: doc(z.string().min(1), 'state-machine: the initial state.').optional(),
    context: doc(
      z.record(z.string(), z.unknown()),
      'state-machine: the initial context.',
    ).optional(),
    states: doc(
      z.record(z.string().min(1), StateSchema),
      'state-machine: the states by name.',
    ).optional(),
  }),
  'A Weft workflow definition.',
);

/** The keys each strict object accepts, for "did you mean" hints. */
export const KNOWN_KEYS = {
  workflow: Object.keys(WorkflowSchema.shape),
  node: Object.keys(NodeSchema.shape),
  edge: Object.keys(EdgeSchema.shape),
  need: ['node', 'port'],
  retry: Object.keys(RetrySchema.shape),
  defaults: ['timeout_ms', 'retry', 'on_error'],
  limits: ['max_concurrency', 'timeout_ms', 'tokens'],
  retention: ['days', 'runs'],
  concurrency: ['key', 'limit'],
  singleton: ['key', 'mode'],
  debounce: ['key', 'period', 'timeout'],
  rate: Object.keys(RateSchema.shape),
  budget: Object.keys(BudgetSchema.shape),
  trigger: [
    'type',
    ...new Set([...Object.keys(WebhookTrigger.shape), ...Object.keys(CronTrigger.shape)]),
  ].filter((k, i, a) => a.indexOf(k) === i),
  state: Object.keys(StateSchema.shape),
  transition: ['target', 'guard', 'assign'],
  on_error: ['return'],
} as const;

/** The JSON Schema of the language, for editors (`workflow.schema.json`). */
export function workflowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkflowSchema, {
    metadata: dslMetadata,
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  return { title: 'Weft workflow', ...schema };
}
