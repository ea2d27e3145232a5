/**
 * @module triggers/webhooks
 * `engine.webhooks.deliver(...)`: a request to `/v1/hooks/{tenant}/{path}` starts a run of the
 * tenant's workflow whose `webhook` trigger has that path and method. The server's route is a thin
 * layer over it: it passes the raw body (for the signature) and maps the errors (`unauthorized`
 * 401, `not_found` 404, `invalid_input` 422, `invalid_request` 422).
 *
 * - Signature: when the trigger has a `secret`, see {@link verifySignature}; it is checked before
 *   anything else is looked at, so an unsigned request learns nothing about earlier deliveries.
 * - Redelivery: an `X-Weft-Delivery` (or `Idempotency-Key`) header names the delivery; the same
 *   name again answers the first delivery's run id and starts nothing. A signed request is also
 *   deduplicated by its signature, whatever delivery id it carries (that header is not signed), so
 *   a captured request replayed inside the 5-minute window starts nothing.
 * - Input: `body` when the caller parsed it, else the raw body as JSON, else as text; no body is
 *   `{}`. A parsed body is checked against the data limits (depth, size) before anything walks it.
 */
import {
  resolveLimits,
  systemClock,
  WeftError,
  type Clock,
  type DslLimits,
  type Logger,
  type Store,
  type TriggerDefinition,
  type WorkflowDefinition,
} from '@weft/core';
import { checkData } from '../engine/data-limits.js';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_MS, verifySignature } from './signature.js';

export const DELIVERY_HEADERS = ['x-weft-delivery', 'idempotency-key'] as const;
const MAX_DELIVERY_ID = 200;

/** Header values by name; names in any case. A `Headers` object fits too. */
export type HeaderBag =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface WebhookRequest {
  tenant: string;
  /** The part after `/v1/hooks/{tenant}/`; leading and trailing `/` are ignored. */
  path: string;
  /** @default 'POST' */
  method?: string;
  headers?: HeaderBag;
  /** The body's bytes as received: what a signature covers. */
  rawBody?: string | Uint8Array;
  /** The body already parsed by the caller; else {@link WebhookRequest.rawBody} is parsed. */
  body?: unknown;
  /**
   * Called once the request is known to start a run (its signature checked, not a redelivery),
   * just before it does: a start rate throws here, and nothing is started.
   */
  beforeStart?: () => Promise<void>;
}

export interface WebhookResult {
  runId: string;
  workflowId: string;
  /** True when this delivery was seen before: no run was started. */
  duplicate: boolean;
}

/** What webhooks need of the engine. */
export interface WebhookHost {
  readonly store: Store;
  readonly log: Logger;
  start(
    workflowId: string,
    options: { tenant: string; input: unknown; idempotencyKey?: string; version?: number },
  ): Promise<{ id: string }>;
}

interface Hook {
  workflowId: string;
  version: number;
  index: number;
  secret: string | undefined;
}

/** Definitions are immutable per version: a few hundred are kept to spare a read per request. */
const CACHE_SIZE = 500;

export class Webhooks {
  readonly #host: WebhookHost;
  readonly #clock: Clock;
  readonly #toleranceMs: number;
  readonly #limits: DslLimits;
  readonly #definitions = new Map<string, WorkflowDefinition>();
  readonly #inFlight = new Map<string, Promise<WebhookResult>>();

  /** @internal the engine creates it. */
  constructor(
    host: WebhookHost,
    options: { clock?: Clock; toleranceMs?: number; limits?: Partial<DslLimits> } = {},
  ) {
    this.#host = host;
    this.#limits = resolveLimits(options.limits);
    this.#clock = options.clock ?? systemClock;
    this.#toleranceMs = options.toleranceMs ?? SIGNATURE_TOLERANCE_MS;
  }

  /**
   * Starts the run a webhook request asks for, or answers the run of its earlier delivery.
   * @throws WeftError `not_found` (no such hook for the tenant), `unauthorized` (signature missing,
   *   malformed, stale or wrong: `details.reason`), `invalid_request` (delivery id too long),
   *   `invalid_input` (the body does not fit the workflow's `inputs`), or what
   *   {@link WebhookRequest.beforeStart} throws (a start rate's `rate_limited`)
   */
  async deliver(req: WebhookRequest): Promise<WebhookResult> {
    const path = normalizePath(req.path);
    const method = (req.method ?? 'POST').toUpperCase();
    const hook = await this.find(req.tenant, path, method);
    if (hook === undefined) {
      throw new WeftError('not_found', `no webhook ${method} ${path}`);
    }
    // Serialising a parsed body for its signature recurses: a hostile one is refused first.
    if (req.rawBody === undefined && req.body !== undefined) {
      checkData(req.body, this.#limits, {
        code: 'invalid_input',
        root: 'body',
        what: 'webhook body',
      });
    }
    const raw =
      req.rawBody ??
      (req.body === undefined
        ? ''
        : typeof req.body === 'string'
          ? req.body
          : JSON.stringify(req.body));
    const named = deliveryIdOf(req.headers);
    // What identifies the delivery, the first the one its run is started under.
    const ids: string[] = [];
    if (hook.secret !== undefined) {
      const { timestamp, signature } = verifySignature(
        hook.secret,
        header(req.headers, SIGNATURE_HEADER),
        raw,
        this.#clock.now(),
        this.#toleranceMs,
      );
      // The delivery id header is not signed: a captured request replayed with another one must
      // still be the same delivery. What the signature covers (the timestamp and body) says so.
      ids.push(`sig:${timestamp}:${signature}`);
    }
    if (named !== undefined) ids.push(named);
    if (ids.length === 0) return this.#start(req, hook, path, raw, undefined);
    const keys = ids.map((id) => `${req.tenant}\u0000${path}\u0000${id}`);
    for (const key of keys) {
      const pending = this.#inFlight.get(key);
      if (pending !== undefined) return { ...(await pending), duplicate: true };
    }
    const work = this.#deliverOnce(req, hook, path, raw, ids);
    for (const key of keys) this.#inFlight.set(key, work);
    try {
      return await work;
    } finally {
      for (const key of keys) if (this.#inFlight.get(key) === work) this.#inFlight.delete(key);
    }
  }

  /** The live workflow of the tenant with a webhook trigger of that path and method. */
  async find(tenant: string, path: string, method = 'POST'): Promise<Hook | undefined> {
    const wanted = normalizePath(path);
    const m = method.toUpperCase();
    const found: Hook[] = [];
    for (const w of await this.#host.store.listWorkflows(tenant)) {
      const definition = await this.#definition(tenant, w.id, w.latestVersion);
      (definition?.triggers ?? []).forEach((t, index) => {
        if (
          isHook(t) &&
          normalizePath(t['path']) === wanted &&
          (t['method'] ?? 'POST').toUpperCase() === m
        ) {
          found.push({ workflowId: w.id, version: w.latestVersion, index, secret: t['secret'] });
        }
      });
    }
    if (found.length > 1) {
      // Publishing refuses a second workflow on a taken hook; older data may still hold one.
      this.#host.log.warn(
        { tenant, path: wanted, workflows: found.map((h) => h.workflowId) },
        'webhook path declared by several workflows; using the first by id',
      );
    }
    return found[0];
  }

  /**
   * @param ids - the delivery's identifiers: its signature (signed hooks) and/or its delivery id.
   *   Any one seen before makes it a duplicate; the first is the run's idempotency key.
   */
  async #deliverOnce(
    req: WebhookRequest,
    hook: Hook,
    path: string,
    raw: string | Uint8Array,
    ids: readonly string[],
  ): Promise<WebhookResult> {
    for (const id of ids) {
      const seen = await this.#host.store.findDelivery(req.tenant, path, id);
      if (seen !== undefined) return { runId: seen, workflowId: hook.workflowId, duplicate: true };
    }
    const [primary = '', ...aliases] = ids;
    const started = await this.#start(req, hook, path, raw, primary);
    const createdAt = new Date(this.#clock.now()).toISOString();
    const record = (deliveryId: string, runId: string) =>
      this.#host.store.recordDelivery({ tenant: req.tenant, path, deliveryId, runId, createdAt });
    const recorded = await record(primary, started.runId);
    // Only the delivery that started the run names it by its delivery id too (a sender's
    // redelivery, signed afresh, is then found by it); a replay records nothing, so it cannot
    // take a delivery id the sender has yet to use.
    if (recorded.created) for (const alias of aliases) await record(alias, recorded.runId);
    return { ...started, runId: recorded.runId, duplicate: !recorded.created };
  }

  async #start(
    req: WebhookRequest,
    hook: Hook,
    path: string,
    raw: string | Uint8Array,
    deliveryId: string | undefined,
  ): Promise<WebhookResult> {
    const input = req.body !== undefined ? req.body : parseBody(raw);
    const options: Parameters<WebhookHost['start']>[1] = {
      tenant: req.tenant,
      input,
      version: hook.version,
    };
    // The same delivery never makes two runs, even from two processes racing past the lookup.
    if (deliveryId !== undefined) options.idempotencyKey = `hook:${path}:${deliveryId}`;
    await req.beforeStart?.();
    const run = await this.#host.start(hook.workflowId, options);
    this.#host.log.info(
      { tenant: req.tenant, path, workflow: hook.workflowId, runId: run.id },
      'webhook run started',
    );
    return { runId: run.id, workflowId: hook.workflowId, duplicate: false };
  }

  async #definition(
    tenant: string,
    id: string,
    version: number,
  ): Promise<WorkflowDefinition | undefined> {
    const key = `${tenant}\u0000${id}\u0000${version}`;
    const cached = this.#definitions.get(key);
    if (cached !== undefined) return cached;
    const stored = await this.#host.store.getWorkflow(tenant, id, version);
    if (stored === undefined) return undefined;
    if (this.#definitions.size >= CACHE_SIZE) {
      const oldest = this.#definitions.keys().next().value;
      if (oldest !== undefined) this.#definitions.delete(oldest);
    }
    this.#definitions.set(key, stored.definition);
    return stored.definition;
  }
}

type HookTrigger = TriggerDefinition & { path: string; method?: string; secret?: string };

function isHook(t: TriggerDefinition): t is HookTrigger {
  return t.type === 'webhook' && typeof t['path'] === 'string';
}

export function normalizePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** The webhook paths a definition declares, as `METHOD path`, with their trigger index. */
export function hookKeys(definition: WorkflowDefinition): { key: string; index: number }[] {
  const out: { key: string; index: number }[] = [];
  (definition.triggers ?? []).forEach((t, index) => {
    if (isHook(t))
      out.push({ key: `${(t.method ?? 'POST').toUpperCase()} ${normalizePath(t.path)}`, index });
  });
  return out;
}

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const bag = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const [k, v] of Object.entries(bag)) {
    if (k.toLowerCase() !== name) continue;
    return typeof v === 'string' ? v : v?.[0];
  }
  return undefined;
}

function deliveryIdOf(headers: HeaderBag | undefined): string | undefined {
  for (const name of DELIVERY_HEADERS) {
    const value = header(headers, name)?.trim();
    if (value === undefined || value === '') continue;
    if (value.length > MAX_DELIVERY_ID || !/^[\x21-\x7e]+$/.test(value)) {
      throw new WeftError(
        'invalid_request',
        `the ${name} header must be 1 to ${MAX_DELIVERY_ID} visible ASCII characters`,
      );
    }
    return value;
  }
  return undefined;
}

function parseBody(raw: string | Uint8Array): unknown {
  const text =
    typeof raw === 'string'
      ? raw
      : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
