/**
 * @module client/engine-port
 * What the in-process client needs of the `Engine`, written out so that the client's files do not
 * import engine.ts: the Engine hands out clients, and neither may import the other in a circle.
 */
import type { Diagnostic, ParseResult, RunEvent, Store, TerminalRunStatus } from '@weft/core';
import type { NodeTestRequest, NodeTestResult, RunView } from '@weft/core/client';
import type { Credentials } from '../credentials/credentials.js';
import type { Started } from '../engine/start-keys.js';

type Tenant = { tenant?: string };

export interface ClientEngine {
  readonly store: Store;
  readonly credentials: Credentials;
  validate(source: string | object, options?: { format?: 'yaml' | 'json' }): ParseResult;
  check(
    source: string | object,
    options?: Tenant & { format?: 'yaml' | 'json' },
  ): Promise<{ ok: boolean; diagnostics: Diagnostic[] }>;
  publish(
    source: string | object,
    options?: Tenant & { format?: 'yaml' | 'json' },
  ): Promise<{ id: string; version: number; created: boolean }>;
  deleteWorkflow(id: string, options?: Tenant): Promise<boolean>;
  start(
    workflow: string,
    options?: Tenant & {
      input?: unknown;
      version?: number;
      idempotencyKey?: string;
      priority?: number;
    },
  ): Promise<Started>;
  wait(runId: string, options?: { until?: 'idle' | 'finished' }): Promise<RunView>;
  /** Resolves once a debounced start's run exists. */
  made(runId: string): Promise<void>;
  get(runId: string, options?: Tenant): Promise<RunView | undefined>;
  events(
    runId: string,
    options?: { after?: number; follow?: boolean; signal?: AbortSignal },
  ): AsyncIterable<RunEvent>;
  pause(runId: string): Promise<void>;
  resume(runId: string): Promise<void>;
  cancel(runId: string, reason?: string): Promise<void>;
  retry(runId: string, options?: { from?: string }): Promise<void>;
  input(runId: string, node: string, value: unknown): Promise<void>;
  waitingForAnswer(runId: string): Promise<string[]>;
  deleteRun(runId: string, options?: Tenant): Promise<void>;
  testNode(
    request: NodeTestRequest & { tenant?: string; signal?: AbortSignal },
  ): Promise<NodeTestResult>;
  pruneRuns(request: {
    tenant?: string;
    workflow?: string;
    olderThanMs?: number;
    statuses?: readonly TerminalRunStatus[];
  }): Promise<{ deleted: number }>;
}
