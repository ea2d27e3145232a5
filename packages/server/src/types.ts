/**
 * @module types
 * What the server needs from the engine ({@link ServerEngine}: `weft`'s `Engine` fits it as is),
 * its limits, and the shape of route plugins.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '@weft/core';
import type { WeftClient } from '@weft/core/client';
import type { RatesFacet } from './start-rate.js';
import type { ObservedEngine, Telemetry } from './telemetry.js';

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
 * What the server needs of the engine (the library's `Engine` fits it as is). Routes reach the
 * engine only through {@link ServerEngine.client}, the tenant-scoped client that enforces
 * tenancy; the rest are operator facets that belong to no tenant's API key.
 */
export interface ServerEngine extends ObservedEngine {
  /** The tenant's client: every `/v1` route but webhooks goes through it. */
  client(tenant: string): WeftClient;
  /** Throws when the store cannot be reached (`/healthz`). */
  ping(): Promise<void>;
  /** Webhook triggers (the tenant is in the path): with it, the server has `/v1/hooks/{tenant}/{path}`. */
  readonly webhooks?: WebhooksFacet;
  /** The store's rate buckets, shared by every server on it: a start rate needs them. */
  readonly rates?: RatesFacet;
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
    /** Called once the delivery is known to start a run, just before it does; may throw. */
    beforeStart?: () => Promise<void>;
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
  /**
   * Lets a start of the tenant through, or throws `rate_limited` (the start rate); absent when
   * starts are not rate limited. `engine.client(tenant)` already applies it to starts.
   */
  admitStart?: (tenant: string) => Promise<void>;
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
