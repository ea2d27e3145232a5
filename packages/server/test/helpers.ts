/**
 * Test helpers: a real server on a free port over an engine on a temporary SQLite file, with
 * node types for slow and controllable runs, and small fetch helpers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  customCode,
  defineNode,
  Engine,
  parseApiKeys,
  staticKeys,
  WeftError,
  type Logger,
  type NodeType,
} from '../../weft/src/index.js';
import {
  startServer,
  type RunningServer,
  type ServerLimits,
  type ServerPlugin,
  type StartRate,
} from '../src/index.js';

export const KEYS = 'acme:key-acme-0123456789,globex:key-globex-0123456789';
export const ACME = 'key-acme-0123456789';
export const GLOBEX = 'key-globex-0123456789';

/** Gates a test opens by name; a `gate` node waits for its gate (or its abort signal). */
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
function gate(name: string) {
  let g = gates.get(name);
  if (g === undefined) {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    g = { promise, open };
    gates.set(name, g);
  }
  return g;
}
export const openGate = (name: string) => gate(name).open();

/** Attempts of `flaky` nodes by key. */
const flakyAttempts = new Map<string, number>();

/** Names of nodes whose execution was aborted (cancel, shutdown). */
export const aborted: string[] = [];
/** Names of `sleep` nodes whose execution began. */
export const slept: string[] = [];

export const testNodes: NodeType[] = [
  defineNode({
    type: 'sleep',
    description: 'waits `ms`, honouring its abort signal',
    params: z.object({ ms: z.number(), value: z.unknown().optional() }),
    run: async (ctx, p) => {
      slept.push(ctx.path);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, p.ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          aborted.push(ctx.path);
          reject(ctx.signal.reason);
        });
      });
      return p.value ?? { slept: p.ms };
    },
  }),
  defineNode({
    type: 'gate',
    description: 'waits until the test opens the gate named `name`',
    params: z.object({ name: z.string() }),
    run: async (ctx, p) => {
      await new Promise<void>((resolve, reject) => {
        void gate(p.name).promise.then(resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
      });
      return { opened: p.name };
    },
  }),
  defineNode({
    type: 'flaky',
    description: 'fails (retryably) the first `fail` attempts counted under `key`, then succeeds',
    params: z.object({ key: z.string(), fail: z.number() }),
    run: async (_ctx, p) => {
      const n = (flakyAttempts.get(p.key) ?? 0) + 1;
      flakyAttempts.set(p.key, n);
      if (n <= p.fail)
        throw new WeftError(customCode('flaky'), `attempt ${n} failed`, { retryable: true });
      return { attempts: n };
    },
  }),
  defineNode({
    type: 'boom',
    description: 'fails with a plain (unexpected) error',
    params: z.object({ code: z.string().optional() }),
    run: async (_ctx, p) => {
      throw new WeftError(customCode(p.code ?? 'boom'), 'it went boom');
    },
  }),
];

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'weft-server-')), 'weft.db');
}

export interface TestServer {
  url: string;
  engine: Engine;
  server: RunningServer;
  db: string;
  /** fetch against the server; `key` sets the bearer key. */
  call(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(
  o: {
    keys?: string | null;
    limits?: Partial<ServerLimits>;
    plugins?: ServerPlugin[];
    db?: string;
    /** For the engine and the server. */
    log?: Logger;
    metricsPublic?: boolean;
    startRate?: StartRate;
  } = {},
): Promise<TestServer> {
  const db = o.db ?? tempDb();
  const engine = await Engine.open({
    db,
    nodes: testNodes,
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  const keys = o.keys === null ? undefined : staticKeys(parseApiKeys(o.keys ?? KEYS));
  const server = await startServer({
    engine,
    keys,
    port: 0,
    host: '127.0.0.1',
    drainMs: 2000,
    ...(o.limits === undefined ? {} : { limits: o.limits }),
    ...(o.plugins === undefined ? {} : { plugins: o.plugins }),
    ...(o.log === undefined ? {} : { log: o.log }),
    ...(o.metricsPublic === undefined ? {} : { metricsPublic: o.metricsPublic }),
    ...(o.startRate === undefined ? {} : { startRate: o.startRate }),
  });
  const call: TestServer['call'] = (path, init = {}) => {
    const { key, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${server.url}${path}`, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json), method: rest.method ?? 'POST' }),
    });
  };
  return {
    url: server.url,
    engine,
    server,
    db,
    call,
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}

export const yaml = (strings: TemplateStringsArray, ...values: unknown[]) =>
  String.raw({ raw: strings }, ...values).replace(/^\n/, '');

/** Publishes YAML text for the acme tenant (or `key`). */
export async function publish(
  t: TestServer,
  text: string,
  key: string = ACME,
): Promise<{ id: string; version: number }> {
  const res = await t.call('/v1/workflows', {
    method: 'POST',
    key,
    body: text,
    headers: { 'content-type': 'application/yaml' },
  });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`publish failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; version: number };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads an SSE body message by message; `onMessage` returning false stops (and disconnects). */
export async function readSse(
  res: Response,
  onMessage: (m: SseMessage) => boolean | void,
): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const m: SseMessage = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) m.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id' || field === 'event') m[field] = value;
            if (field === 'data') m.data = m.data === undefined ? value : `${m.data}\n${value}`;
          }
        }
        if (onMessage(m) === false) return;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
