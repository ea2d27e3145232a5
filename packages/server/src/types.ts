/**
 * @module types
 * What the server needs from the engine ({@link ServerEngine}: `weft`'s `Engine` fits it as is),
 * its limits, and the shape of route plugins.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Diagnostic, Logger, RunEvent, Store } from '@weft/core';
import type { RunObject } from './schemas.js';
import type { RunEventsListener, Telemetry } from './telemetry.js';

/** Per-request values set by middleware. */
export interface ApiEnv {
  Variables: {
    /** The tenant of the request's API key (`default` when the API is open). */
    tenant: string;
  };
}

/** The app's type, for plugins that add routes. */
export type ApiApp = OpenAPIHono<ApiEnv>;

/**
 * The part of the library's `Engine` the server uses. Every call that takes no `tenant` is made
 * only after the server checked that the run belongs to the request's tenant.
 */
export interface ServerEngine {
  readonly store: Pick<
    Store,
    | 'getRun'
    | 'listRuns'
    | 'readEvents'
    | 'getWorkflow'
    | 'listWorkflows'
    | 'deleteWorkflow'
    | 'runIdsByStatus'
  >;
  /** Parses and validates definition text without storing it. */
  validate(
    source: string,
    options?: { format?: 'yaml' | 'json' },
  ): { ok: boolean; diagnostics: Diagnostic[] };
  publish(
    source: string | object,
    options?: { tenant?: string; format?: 'yaml' | 'json' },
  ): Promise<{ id: string; version: number; created: boolean }>;
  start(
    workflow: string,
    options?: {
      input?: unknown;
      version?: number;
      idempotencyKey?: string;
      priority?: number;
      tenant?: string;
    },
  ): Promise<{ id: string; status: string }>;
  /** Resolves once the run is finished, paused or waiting for a human answer. */
  wait(runId: string): Promise<RunObject>;
  get(runId: string, options?: { tenant?: string }): Promise<RunObject | undefined>;
  /**
   * Stored events after `after`, then live ones until the terminal event. `signal` lets the
   * engine stop following when the client has gone (engines without it are stopped by the server
   * at their next event).
   */
  events(
    runId: string,
    options?: { after?: number; follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<RunEvent>;
  pause(runId: string): Promise<void>;
  resume(runId: string): Promise<void>;
  cancel(runId: string, reason?: string): Promise<void>;
  retry(runId: string, options?: { from?: string }): Promise<void>;
  input(runId: string, node: string, value: unknown): Promise<void>;
  /** Deletes every version of a workflow (and what hangs on it, e.g. schedules); else the store's delete is used. */
  deleteWorkflow?(id: string, options: { tenant: string }): Promise<boolean>;
  /** Sends an event to a state-machine run; engines without state machines leave it out. */
  send?(runId: string, event: { type: string; data?: unknown }): Promise<void>;
  /** Every committed event of every run: metrics, spans and logs are derived from them. */
  onEvents?(listener: RunEventsListener): () => void;
  /** Credentials per tenant: with it, the server has `/v1/credentials`. */
  readonly credentials?: CredentialsFacet;
  /** Webhook triggers: with it, the server has `/v1/hooks/{tenant}/{path}`. */
  readonly webhooks?: WebhooksFacet;
}

/** A credential as listed and as answered: never its value. */
export interface CredentialInfo {
  name: string;
  type: string;
  createdAt: string;
  updatedAt: string;
}

/** The engine's credentials (`engine.credentials`): write-only values, encrypted at rest. */
export interface CredentialsFacet {
  /** Stores or replaces; checks the value's shape (`invalid_request`, never quoting a value). */
  put(tenant: string, name: string, value: unknown): Promise<CredentialInfo & { created: boolean }>;
  list(tenant: string): Promise<CredentialInfo[]>;
  /** False when there was none. */
  delete(tenant: string, name: string): Promise<boolean>;
}

/** The engine's webhooks (`engine.webhooks`). */
export interface WebhooksFacet {
  /**
   * Checks the signature (when the hook has a secret), deduplicates redeliveries and starts the run.
   * @throws WeftError `not_found`, `unauthorized`, `invalid_request`, `invalid_input`
   */
  deliver(request: {
    tenant: string;
    path: string;
    method?: string;
    headers?: { get(name: string): string | null };
    rawBody?: Uint8Array;
  }): Promise<{ runId: string; workflowId: string; duplicate: boolean }>;
}

export interface ServerLimits {
  /** Largest request body in bytes (run inputs, answers). @default 4 MiB */
  maxBodyBytes: number;
  /** Largest workflow definition body in bytes. @default 1 MiB */
  maxDefinitionBytes: number;
  /** Nesting depth of JSON bodies other than definitions (whose depth the parser checks). @default 100 */
  maxJsonDepth: number;
  /** `?wait=true` without `timeout`, in ms. @default 30000 */
  defaultWaitMs: number;
  /** Cap of `?timeout=` in ms. @default 300000 */
  maxWaitMs: number;
  /** Interval of SSE keep-alive comments in ms. @default 15000 */
  keepAliveMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDefinitionBytes: 1024 * 1024,
  maxJsonDepth: 100,
  defaultWaitMs: 30_000,
  maxWaitMs: 300_000,
  keepAliveMs: 15_000,
};

/** What route modules and plugins are given. */
export interface RouteDeps {
  engine: ServerEngine;
  limits: ServerLimits;
  log: Logger;
  /** Aborts when the server shuts down: live streams end and waits answer at once. */
  closing: AbortSignal;
  /** Metrics, spans and run logs; routes count live streams on it. */
  telemetry: Telemetry;
}

/**
 * Adds routes to the app (credentials, webhooks, metrics ... are added this way). Routes under
 * `/v1` need an API key unless their path starts with one of `publicPrefixes`, in which case the
 * plugin authenticates them itself (e.g. webhooks with HMAC signatures).
 */
export interface ServerPlugin {
  publicPrefixes?: readonly string[];
  /**
   * Paths (by prefix) whose bodies reach the handler exactly as sent (an empty JSON body is not
   * read as `{}`), e.g. for signatures over the raw bytes.
   */
  rawBodyPrefixes?: readonly string[];
  register(app: ApiApp, deps: RouteDeps): void;
}
