/**
 * @module schemas
 * The API's request and response shapes, declared once with zod: they validate requests, type the
 * handlers and make the OpenAPI document (`/openapi.json`).
 */
import { z } from '@hono/zod-openapi';
import type { RunSummary as CoreRunSummary, RunView } from '@weft/core/client';
import {
  RUN_STATUSES,
  TERMINAL_RUN_STATUSES,
  CREDENTIAL_REGISTRY,
  CREDENTIAL_TYPES,
  credentialFields,
  type CredentialField,
  type CredentialType,
  type ErrorCause as ErrorCauseInfo,
} from '@weft/core';

/** A workflow id (SPEC section 1). */
export const WORKFLOW_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const NODE_STATUSES = [
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;

export const ErrorDetail = z
  .object({
    path: z.string().openapi({ example: 'nodes[1].type' }),
    message: z.string().openapi({ example: 'unknown node type "htp"' }),
    line: z.number().int().optional().openapi({ example: 7 }),
    column: z.number().int().optional().openapi({ example: 11 }),
  })
  .openapi('ErrorDetail');

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string().openapi({ example: 'no run 0196f0c2-7d1e-7000-8000-000000000000' }),
      details: z.array(ErrorDetail),
      state: z.string().optional().openapi({
        description: 'An event refused by a state-machine run (409): the state it is in.',
      }),
      accepts: z.array(z.string()).optional().openapi({
        description: 'An event refused by a state-machine run (409): the events it accepts now.',
      }),
    }),
  })
  .openapi('Error');

/** The failure under an error: a failed child run's, a foreach or loop body node's (5 deep at most). */
export const ErrorCause: z.ZodType<ErrorCauseInfo> = z
  .object({
    code: z.string(),
    message: z.string(),
    get cause() {
      return ErrorCause.optional();
    },
  })
  .openapi('ErrorCause');

/** The error of a run or a node, as stored (`<node>.error`). */
export const RunError = z
  .object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean().optional(),
    retry_after_ms: z.number().optional(),
    details: z.unknown().optional(),
    cause: ErrorCause.optional(),
  })
  .openapi('RunError');

export const NodeObject = z
  .object({
    status: z.enum(NODE_STATUSES),
    attempts: z.number().int(),
    output: z.unknown().optional(),
    error: RunError.optional(),
    started_at: z.string().optional(),
    finished_at: z.string().optional(),
    child_run_id: z.string().optional(),
  })
  .openapi('Node');

const runFields = {
  id: z.string().openapi({ example: '0196f0c2-7d1e-7000-8000-000000000000' }),
  workflow: z.string().openapi({ example: 'support-triage' }),
  version: z.number().int(),
  status: z.enum(RUN_STATUSES),
  input: z.unknown(),
  output: z.unknown(),
  error: RunError.nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  parent_run_id: z.string().optional(),
  state: z
    .string()
    .optional()
    .openapi({ description: 'State-machine runs: the state it is in, as a path (`a.b`).' }),
  context: z.record(z.string(), z.unknown()).optional().openapi({
    description: "State-machine runs: the machine's context.",
  }),
  accepts: z
    .array(z.string())
    .optional()
    .openapi({ description: 'State-machine runs: the event types it accepts now.' }),
};

/** The run object of SPEC section 8. */
export const RunObject = z
  .object({ ...runFields, nodes: z.record(z.string(), NodeObject) })
  .openapi('Run');
/** One run shape: the client's (core), which the schema above describes. */
export type RunObject = RunView;

/** A run in a list: the run object without its nodes. */
export const RunSummary = z.object(runFields).openapi('RunSummary');
export type RunSummary = CoreRunSummary;

/** True when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The schemas and the client's types cannot drift apart: a difference fails to compile.
const _oneRunShape: Same<z.infer<typeof RunObject>, RunView> = true;
const _oneSummaryShape: Same<z.infer<typeof RunSummary>, CoreRunSummary> = true;

export const RunList = z
  .object({
    runs: z.array(RunSummary),
    cursor: z
      .string()
      .optional()
      .openapi({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
  })
  .openapi('RunList');

export const StartedRun = z
  .object({
    id: z.string(),
    status: z.enum(RUN_STATUSES),
    skipped: z.literal(true).optional().openapi({
      description:
        '`singleton:` — nothing started: `id` is the unfinished run that holds the key (200).',
    }),
    replaced: z.string().optional().openapi({
      description: '`singleton: { mode: cancel }` — the run of the key this start cancelled.',
    }),
    debounced: z.object({ due_at: z.string(), joined: z.boolean() }).optional().openapi({
      description:
        '`debounce:` — the run is made at `due_at` unless later starts of its key push it back; `joined` when an earlier start announced it (202). Until then `GET /v1/runs/{id}` answers 404.',
    }),
  })
  .openapi('StartedRun');

export const RunEventObject = z
  .object({
    seq: z.number().int().openapi({ example: 1 }),
    type: z.string().openapi({ example: 'node.succeeded' }),
    at: z.string(),
    node: z.string().optional(),
    data: z.unknown().optional(),
  })
  .openapi('Event');

export const EventList = z
  .object({ events: z.array(RunEventObject), has_more: z.boolean() })
  .openapi('EventList');

export const Published = z
  .object({
    id: z.string().openapi({ example: 'support-triage' }),
    version: z.number().int().openapi({ example: 1 }),
    created: z
      .boolean()
      .openapi({ description: 'false when the same content was already the latest version' }),
  })
  .openapi('Published');

export const Validation = z
  .object({
    ok: z.boolean(),
    diagnostics: z.array(ErrorDetail),
  })
  .openapi('Validation');

export const WorkflowSummary = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    latest_version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WorkflowSummary');

export const WorkflowList = z
  .object({ workflows: z.array(WorkflowSummary) })
  .openapi('WorkflowList');

export const WorkflowVersion = z
  .object({
    id: z.string(),
    version: z.number().int(),
    name: z.string().optional(),
    definition: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The normalised definition (edges form)' }),
    source: z.string().openapi({ description: 'The text it was published from (YAML or JSON)' }),
    hash: z.string(),
    created_at: z.string(),
  })
  .openapi('WorkflowVersion');

export const Health = z
  .object({ status: z.literal('ok'), store: z.literal('ok') })
  .openapi('Health');

// ---- requests ------------------------------------------------------------------------------

export const StartBody = z
  .strictObject({
    input: z
      .unknown()
      .optional()
      .openapi({ description: 'The run input, validated against the workflow `inputs` schema' }),
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Default: the latest version' }),
    priority: z.number().int().optional(),
    idempotency_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'A second start with the same key returns the first run' }),
  })
  .openapi('StartRun');

export const RetryBody = z
  .strictObject({
    from: z
      .string()
      .min(1)
      .optional()
      .openapi({ description: 'Re-run from this top-level node on' }),
  })
  .openapi('RetryRun');

export const CancelBody = z
  .strictObject({ reason: z.string().max(1000).optional() })
  .openapi('CancelRun');

export const InputBody = z
  .strictObject({
    node: z.string().min(1).openapi({ example: 'approve' }),
    value: z.unknown().openapi({
      description: "The answer, validated against the node's `schema`",
      example: { approved: true },
    }),
  })
  .openapi('Answer');

export const SendEventBody = z
  .strictObject({
    type: z.string().min(1).openapi({ example: 'PAY' }),
    data: z.unknown().optional(),
  })
  .openapi('SendEvent');

export const NodeTestBody = z
  .strictObject({
    definition: z.union([z.string(), z.record(z.string(), z.unknown())]).openapi({
      description:
        'The workflow the node is in (docs/language.md): an object, or its text as YAML or JSON',
    }),
    node: z.string().min(1).openapi({ description: "The node's id", example: 'fetch' }),
    scope: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          "What the node's expressions see, as in a run: `inputs`, upstream nodes' outputs under their ids, `run`; in a body `item`, `index`, `iteration`, `previous`; in a state's action `context`, `event`, `state`. Default `inputs`: `{}`. At most 4 MiB of JSON",
        example: { inputs: { id: 7 }, lookup: { url: 'https://example.org/7' } },
      }),
    format: z.enum(['yaml', 'json']).optional().openapi({
      description: 'How `definition` text is written. Default: JSON when it starts with `{`',
    }),
  })
  .openapi('NodeTest');

export const NodeTestResult = z
  .union([
    z.object({
      status: z.literal('succeeded'),
      output: z.unknown().openapi({ description: "The node's output" }),
      port: z
        .string()
        .optional()
        .openapi({ description: 'The port a branching node (`if`, `switch`) takes' }),
      when: z.literal(false).optional().openapi({
        description: "The node's `when` is false: a run would skip it (the test ran it anyway)",
      }),
      duration_ms: z.number(),
    }),
    z.object({
      status: z.literal('failed'),
      error: RunError,
      when: z.literal(false).optional(),
      duration_ms: z.number(),
    }),
  ])
  .openapi('NodeTestResult');

/** `?wait=true&timeout=ms`. */
export const WaitQuery = z.object({
  wait: z.enum(['true', 'false', '1', '0']).optional().openapi({
    description: 'Wait until the run ends or waits for someone (paused, human answer)',
  }),
  timeout: z.coerce.number().int().min(0).optional().openapi({
    description: 'Bound of the wait in ms (default 30000, capped at the server maximum)',
  }),
});

/** `POST /v1/workflows?dry_run=true`: validate only. */
export const PublishQuery = z.object({
  dry_run: z.enum(['true', 'false', '1', '0']).optional().openapi({
    description: 'Only validate: answer `{ ok, diagnostics }` and store nothing',
  }),
});

export const ListRunsQuery = z.object({
  workflow: z.string().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: 'Page size (default 50)' }),
  cursor: z.string().optional(),
});

export const EventsQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: 'Only events with a greater seq' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .openapi({ description: 'JSON log only: page size (default 1000)' }),
});

export const WorkflowIdParam = z.object({
  id: z
    .string()
    .regex(WORKFLOW_ID)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'support-triage' }),
});

export const VersionParams = WorkflowIdParam.extend({
  v: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: 'v', in: 'path' }, example: 2 }),
});

export const RunIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: 'id', in: 'path' },
      example: '0196f0c2-7d1e-7000-8000-000000000000',
    }),
});

// ---- credentials ---------------------------------------------------------------------------

/** A field of a credential type, from core's registry: secret fields are write-only. */
function credentialField(f: CredentialField) {
  const description = f.secret
    ? `${f.description ?? 'A secret'} (write-only: never answered)`
    : f.description;
  return z
    .string()
    .min(1)
    .openapi({
      ...(description === undefined ? {} : { description }),
      ...(f.example === undefined ? {} : { example: f.example }),
    });
}

function credentialSchema(type: CredentialType) {
  const fields = Object.entries(credentialFields(type)).map(
    ([name, f]) => [name, credentialField(f)] as const,
  );
  return z
    .strictObject({ type: z.literal(type), ...Object.fromEntries(fields) })
    .openapi(`${type.charAt(0).toUpperCase()}${type.slice(1)}Credential`, {
      description: CREDENTIAL_REGISTRY[type].description,
    });
}

const [firstType, ...otherTypes] = CREDENTIAL_TYPES.map(credentialSchema);

/** One schema per type of core's credential registry. */
export const CredentialBody = z
  .discriminatedUnion('type', [firstType!, ...otherTypes])
  .openapi('CredentialInput');

export const CredentialSummary = z
  .object({
    name: z.string().openapi({ example: 'github' }),
    type: z.enum(CREDENTIAL_TYPES),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Credential');

export const CredentialList = z
  .object({ credentials: z.array(CredentialSummary) })
  .openapi('CredentialList');

export const CredentialNameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: 'name', in: 'path' },
      description: '1 to 128 letters, digits, `_`, `-` and `.`, starting with a letter or digit',
      example: 'github',
    }),
});

// ---- webhooks ------------------------------------------------------------------------------

export const HookAccepted = z
  .object({
    id: z
      .string()
      .openapi({ description: 'The run started (or, for a redelivery, the first one)' }),
    duplicate: z.boolean().openapi({
      description: 'true when this delivery id (or signature) was seen before: no run was started',
    }),
  })
  .openapi('HookAccepted');

export const HookParams = z.object({
  tenant: z.string().openapi({ param: { name: 'tenant', in: 'path' }, example: 'default' }),
  path: z.string().openapi({
    param: { name: 'path', in: 'path' },
    description: "The trigger's `path`; may contain `/`",
    example: 'orders/new',
  }),
});

export const PruneBody = z
  .strictObject({
    older_than_ms: z.number().int().min(0).openapi({
      description: 'Runs that finished more than this many ms ago',
      example: 2592000000,
    }),
    status: z
      .enum(TERMINAL_RUN_STATUSES)
      .optional()
      .openapi({ description: 'Only runs that ended so (default: every way a run ends)' }),
    workflow: z.string().min(1).optional().openapi({ description: 'Only runs of this workflow' }),
  })
  .openapi('PruneRuns');

export const Pruned = z
  .object({
    deleted: z.number().int().openapi({ description: 'Runs deleted, child runs included' }),
  })
  .openapi('Pruned');
