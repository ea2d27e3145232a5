/**
 * @module sw/nodes
 * The node types that Serverless Workflow tasks are compiled to (packages/serverless-workflow):
 * `jq` (set, switch, and the filters of composite tasks), `sw.raise`, `sw.http`, `sw.openapi`
 * and `sw.emit`. Control flow (do, then, for, fork, try, wait, run) is the graph's own.
 */
import { defineNode, evaluateJq, route, WeftError, type NodeContext } from '@weft/core/plugin';
import { z } from 'zod';
import { createHttpNode } from '../http/index.js';
import { httpParams, type HttpParams } from '../http/params.js';
import {
  bareExpression,
  ERROR_TYPES_BASE,
  evaluateValue,
  RAW_TASK_PATHS,
  runTask,
  swError,
  taskParams,
  type SwError,
} from './data.js';

/** A value as text in a URL or header: strings as they are, the rest as JSON. */
const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** jq's truthiness: everything but false and null. */
const holds = (v: unknown): boolean => v !== false && v !== null && v !== undefined;

const caseSchema = z.strictObject({ port: z.string().min(1), when: z.string().optional() });

export const jqNode = defineNode({
  type: 'jq',
  description:
    'Evaluates the `${ jq }` expressions of `value` on `input` (after `from`, before `as`); with `cases`, takes the port of the first whose `when` holds, else `default`.',
  params: z.strictObject({
    ...taskParams,
    value: z.unknown().optional(),
    cases: z.array(caseSchema).optional(),
  }),
  raw: [...RAW_TASK_PATHS, 'value', 'cases'],
  ports: (params) => {
    const cases = Array.isArray(params['cases']) ? params['cases'] : [];
    const ports = cases.flatMap((c: unknown) =>
      typeof c === 'object' && c !== null && typeof (c as { port?: unknown }).port === 'string'
        ? [(c as { port: string }).port]
        : [],
    );
    return [...ports, 'default'];
  },
  run: async (_ctx, p) => {
    let port: string | undefined;
    const output = await runTask(p, (input, vars) => {
      if (p.cases !== undefined) {
        port = 'default';
        for (const c of p.cases) {
          if (c.when === undefined || holds(evaluateJq(bareExpression(c.when), input, vars))) {
            port = c.port;
            break;
          }
        }
      }
      return p.value === undefined ? input : evaluateValue(p.value, input, vars);
    });
    return port === undefined ? output : route(port, output);
  },
});

const errorSchema = z.looseObject({
  type: z.string(),
  status: z.union([z.number(), z.string()]),
  title: z.string().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
});

export const raiseNode = defineNode({
  type: 'sw.raise',
  description:
    'Raises a Serverless Workflow error (`type`, `status`, `title`, `detail`, `instance`).',
  params: z.strictObject({ ...taskParams, error: z.unknown(), instance: z.string().optional() }),
  raw: [...RAW_TASK_PATHS, 'error'],
  run: async (_ctx, p) =>
    runTask(p, (input, vars) => {
      const parsed = errorSchema.safeParse(evaluateValue(p.error, input, vars));
      if (!parsed.success)
        throw new WeftError('invalid_params', 'a raised error needs a `type` and a `status`');
      const e = parsed.data;
      const error: SwError = {
        type: e.type,
        status: Number(e.status),
        ...(e.title === undefined ? {} : { title: e.title }),
        ...(e.detail === undefined ? {} : { detail: e.detail }),
        instance: e.instance ?? p.instance ?? '/',
      };
      throw swError(error);
    }),
});

const http = createHttpNode();

const authSchema = z
  .object({
    basic: z.object({ username: z.unknown(), password: z.unknown() }).optional(),
    bearer: z.object({ token: z.unknown() }).optional(),
  })
  .loose();

const endpointSchema = z.union([
  z.string(),
  z.object({ uri: z.string(), authentication: authSchema.optional() }).loose(),
]);

const outputFormat = z.enum(['content', 'response', 'raw']).default('content');

/** `{name}` in a URI, from the top-level fields of the task's input. */
function interpolateUri(uri: string, input: unknown, vars: Record<string, unknown>): string {
  const expr = /^\s*\$\{/.test(uri) ? evaluateValue(uri, input, vars) : uri;
  if (typeof expr !== 'string') throw new WeftError('invalid_params', 'the endpoint is not a URI');
  const data =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return expr.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => {
    const v = data[name];
    return v === undefined || v === null ? whole : encodeURIComponent(text(v));
  });
}

function authHeaders(
  auth: unknown,
  input: unknown,
  vars: Record<string, unknown>,
): Record<string, string> {
  const a = authSchema.safeParse(evaluateValue(auth ?? {}, input, vars));
  if (!a.success) return {};
  if (a.data.basic !== undefined) {
    const pair = `${text(a.data.basic.username)}:${text(a.data.basic.password)}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }
  if (a.data.bearer !== undefined) return { authorization: `Bearer ${text(a.data.bearer.token)}` };
  return {};
}

interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

/** One request through the `http` node (its SSRF guard, limits, redirects); SW errors out. */
async function send(ctx: NodeContext, r: Request, instance: string | undefined) {
  const params: HttpParams = httpParams.parse({
    method: r.method.toUpperCase(),
    url: r.url,
    headers: r.headers,
    query: r.query,
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  try {
    return (await http.run!(ctx, params)) as {
      status: number;
      headers: Record<string, unknown>;
      body: unknown;
    };
  } catch (e) {
    if (!WeftError.is(e)) throw e;
    const details = (e.details ?? {}) as { status?: unknown };
    const status = typeof details.status === 'number' ? details.status : undefined;
    if (e.code === 'ssrf_blocked' || e.code === 'invalid_url') throw e;
    // Retried (by a catch's retry policy) as the http node would be: 408, 429, 5xx, network.
    throw swError(
      {
        type: `${ERROR_TYPES_BASE}communication`,
        status: status ?? 500,
        title: 'Communication Error',
        detail: e.message,
        ...(instance === undefined ? {} : { instance }),
      },
      e.retryable,
    );
  }
}

function shape(
  format: z.infer<typeof outputFormat>,
  request: Request,
  answer: { status: number; headers: Record<string, unknown>; body: unknown },
): unknown {
  if (format === 'content') return answer.body;
  if (format === 'raw')
    return Buffer.from(
      typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
    ).toString('base64');
  return {
    request: {
      method: request.method.toUpperCase(),
      uri: request.url,
      // The output is stored and shown: the credentials sent are not.
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) =>
          k.toLowerCase() === 'authorization' ? [k, '[redacted]'] : [k, v],
        ),
      ),
    },
    statusCode: answer.status,
    headers: answer.headers,
    content: answer.body,
  };
}

const stringMap = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, text(x)]))
    : {};

export const swHttpNode = defineNode({
  type: 'sw.http',
  description:
    'A Serverless Workflow `call: http`: the endpoint (URI template or `${ }`), headers, query, body and authentication; output `content`, `response` or `raw`.',
  params: z.strictObject({
    ...taskParams,
    with: z.looseObject({
      method: z.string(),
      endpoint: endpointSchema,
      headers: z.unknown().optional(),
      query: z.unknown().optional(),
      body: z.unknown().optional(),
      output: outputFormat,
    }),
    instance: z.string().optional(),
  }),
  raw: [...RAW_TASK_PATHS, 'with'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const w = p.with;
      const endpoint = typeof w.endpoint === 'string' ? { uri: w.endpoint } : w.endpoint;
      const request: Request = {
        method: w.method,
        url: interpolateUri(endpoint.uri, input, vars),
        headers: {
          ...stringMap(evaluateValue(w.headers, input, vars)),
          ...authHeaders(endpoint.authentication, input, vars),
        },
        query: stringMap(evaluateValue(w.query, input, vars)),
        ...(w.body === undefined ? {} : { body: evaluateValue(w.body, input, vars) }),
      };
      return shape(w.output, request, await send(ctx, request, p.instance));
    }),
});

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string }[];
  hasBody: boolean;
}

function findOperation(doc: Record<string, unknown>, id: string): Operation | undefined {
  const paths = (doc['paths'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, item] of Object.entries(paths)) {
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const [method, op] of Object.entries(item)) {
      if (
        typeof op !== 'object' ||
        op === null ||
        (op as { operationId?: unknown }).operationId !== id
      )
        continue;
      const own = (op as { parameters?: unknown }).parameters;
      return {
        method,
        path,
        parameters: [...shared, ...(Array.isArray(own) ? own : [])] as Operation['parameters'],
        hasBody: (op as { requestBody?: unknown }).requestBody !== undefined,
      };
    }
  }
  return undefined;
}

function baseUrl(doc: Record<string, unknown>, documentUrl: string): string {
  const servers = doc['servers'];
  if (Array.isArray(servers) && typeof servers[0]?.url === 'string')
    return new URL(servers[0].url as string, documentUrl).href.replace(/\/$/, '');
  const from = new URL(documentUrl);
  const schemes = Array.isArray(doc['schemes']) ? (doc['schemes'] as string[]) : [];
  const scheme = schemes.includes(from.protocol.slice(0, -1))
    ? from.protocol.slice(0, -1)
    : (schemes[0] ?? from.protocol.slice(0, -1));
  const host = typeof doc['host'] === 'string' ? doc['host'] : from.host;
  const base = typeof doc['basePath'] === 'string' ? doc['basePath'] : '';
  return `${scheme}://${host}${base}`.replace(/\/$/, '');
}

export const swOpenApiNode = defineNode({
  type: 'sw.openapi',
  description:
    'A Serverless Workflow `call: openapi`: reads the OpenAPI (2 or 3) document, finds `operationId`, and calls it with `parameters`.',
  params: z.strictObject({
    ...taskParams,
    with: z.looseObject({
      document: z.looseObject({ endpoint: endpointSchema }),
      operationId: z.string(),
      parameters: z.unknown().optional(),
      authentication: z.unknown().optional(),
      output: outputFormat,
    }),
    instance: z.string().optional(),
  }),
  raw: [...RAW_TASK_PATHS, 'with'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const w = p.with;
      const endpoint = w.document.endpoint;
      const docUrl = interpolateUri(
        typeof endpoint === 'string' ? endpoint : endpoint.uri,
        input,
        vars,
      );
      const docAnswer = await send(
        ctx,
        { method: 'get', url: docUrl, headers: {}, query: {} },
        p.instance,
      );
      const doc = docAnswer.body;
      if (typeof doc !== 'object' || doc === null)
        throw new WeftError('invalid_params', `${docUrl} is not an OpenAPI document (JSON)`);
      const op = findOperation(doc as Record<string, unknown>, w.operationId);
      if (op === undefined)
        throw new WeftError('invalid_params', `${docUrl} has no operation \`${w.operationId}\``);
      const args = evaluateValue(w.parameters ?? {}, input, vars) as Record<string, unknown>;
      let path = op.path;
      const query: Record<string, string> = {};
      const headers: Record<string, string> = authHeaders(w.authentication, input, vars);
      let body: unknown;
      const used = new Set<string>();
      for (const param of op.parameters) {
        const v = args[param.name];
        if (v === undefined) continue;
        used.add(param.name);
        if (param.in === 'path')
          path = path.replace(`{${param.name}}`, encodeURIComponent(text(v)));
        else if (param.in === 'query') query[param.name] = text(v);
        else if (param.in === 'header') headers[param.name] = text(v);
        else if (param.in === 'body') body = v;
      }
      if (op.hasBody && body === undefined) {
        const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !used.has(k)));
        if (Object.keys(rest).length > 0) body = rest;
      }
      const request: Request = {
        method: op.method,
        url: `${baseUrl(doc as Record<string, unknown>, docUrl)}${path}`,
        headers,
        query,
        ...(body === undefined ? {} : { body }),
      };
      return shape(w.output, request, await send(ctx, request, p.instance));
    }),
});

export const swEmitNode = defineNode({
  type: 'sw.emit',
  description:
    "A Serverless Workflow `emit`: builds a CloudEvent from `event.with`, sends it to the run's event stream (a node.progress event) and outputs it.",
  params: z.strictObject({ ...taskParams, event: z.unknown() }),
  raw: [...RAW_TASK_PATHS, 'event'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const props = evaluateValue(p.event, input, vars) as Record<string, unknown>;
      const stamp = await ctx.step('event', () => ({
        id: crypto.randomUUID(),
        time: new Date().toISOString(),
      }));
      const event = { specversion: '1.0', ...stamp, ...props };
      ctx.emit.progress({ cloudevent: event });
      return event;
    }),
});

/** A JSON Schema that an event must match: each attribute of `with` as a constant. */
function eventSchema(filter: Record<string, unknown>): Record<string, unknown> {
  const properties = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, { const: v }]));
  return { type: 'object', required: Object.keys(filter), properties };
}

export const swListenNode = defineNode({
  type: 'sw.listen',
  description:
    'A Serverless Workflow `listen`: waits until an event matching one of `events` (CloudEvent attributes) is delivered to the run, as the answer to this node; outputs `[event]`.',
  params: z.strictObject({
    ...taskParams,
    events: z.array(z.record(z.string(), z.unknown())).min(1),
  }),
  raw: [...RAW_TASK_PATHS, 'events'],
  run: async (ctx, p) =>
    runTask(p, async (input, vars) => {
      const filters = p.events.map((f) => evaluateValue(f, input, vars) as Record<string, unknown>);
      const schemas = filters.map(eventSchema);
      const event = await ctx.ask('event', {
        prompt: { listen: filters },
        schema: schemas.length === 1 ? schemas[0]! : { anyOf: schemas },
      });
      return [event];
    }),
});

/** `jq` whose output is its graph's output: the end of a compiled document. */
export const jqOutputNode = defineNode({
  ...jqNode,
  type: 'jq.output',
  description:
    "As `jq`, and its output is the graph's output (the end of a Serverless Workflow document).",
  flags: { setsOutput: true },
});

/** Standard error types are told apart by their last segment: specs and kits spell the base apart. */
const STANDARD_TYPE = /^https:\/\/serverlessworkflow\.io\/.*\/([a-z-]+)$/;

function typeMatches(wanted: unknown, actual: string): boolean {
  if (wanted === actual) return true;
  if (typeof wanted !== 'string') return false;
  const a = STANDARD_TYPE.exec(wanted);
  const b = STANDARD_TYPE.exec(actual);
  return a !== null && b !== null && a[1] === b[1];
}

/** A Weft error (as a node's scope shows it) as an SW error. */
export function asSwError(info: unknown, instance: string | undefined): SwError {
  const i = (typeof info === 'object' && info !== null ? info : {}) as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
  };
  const d = (typeof i.details === 'object' && i.details !== null ? i.details : {}) as Record<
    string,
    unknown
  >;
  if (typeof d['type'] === 'string' && d['status'] !== undefined) return d as unknown as SwError;
  const code = typeof i.code === 'string' ? i.code : 'failed';
  const kind = code.startsWith('expression_')
    ? 'expression'
    : code === 'timeout'
      ? 'timeout'
      : code === 'http_status' || code === 'network_error'
        ? 'communication'
        : code === 'invalid_params' || code === 'invalid_input'
          ? 'validation'
          : 'runtime';
  return {
    type: `${ERROR_TYPES_BASE}${kind}`,
    status: typeof d['status'] === 'number' ? d['status'] : kind === 'timeout' ? 408 : 500,
    title: code,
    ...(typeof i.message === 'string' ? { detail: i.message } : {}),
    ...(instance === undefined ? {} : { instance }),
  };
}

export const catchNode = defineNode({
  type: 'sw.catch',
  description:
    'A Serverless Workflow `catch`: takes `caught` with `{ data, error }` when the failure matches `errors` (and `when`, not `exceptWhen`), else fails with it again.',
  params: z.strictObject({
    input: z.unknown().optional(),
    vars: z.record(z.string(), z.unknown()).default({}),
    error: z.unknown(),
    errors: z.record(z.string(), z.unknown()).default({}),
    when: z.string().optional(),
    exceptWhen: z.string().optional(),
    as: z.string().default('error'),
  }),
  raw: ['errors', 'when', 'exceptWhen'],
  ports: ['caught'],
  run: (_ctx, p) => {
    const error = asSwError(p.error, undefined);
    const matches = Object.entries(p.errors).every(([k, v]) =>
      k === 'type'
        ? typeMatches(v, error.type)
        : k === 'status'
          ? Number(v) === Number(error.status)
          : v === (error as unknown as Record<string, unknown>)[k],
    );
    const vars = { ...p.vars, [p.as]: error, input: p.input ?? null };
    const data = p.input ?? null;
    const when = p.when === undefined || holds(evaluateJq(bareExpression(p.when), error, vars));
    const except =
      p.exceptWhen !== undefined && holds(evaluateJq(bareExpression(p.exceptWhen), error, vars));
    if (!matches || !when || except) throw swError(error);
    return route('caught', { data, error });
  },
});

export const serverlessWorkflowNodes = [
  jqNode,
  jqOutputNode,
  catchNode,
  raiseNode,
  swHttpNode,
  swOpenApiNode,
  swEmitNode,
  swListenNode,
];
