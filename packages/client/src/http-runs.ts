/**
 * @module http-runs
 * The tenant's runs over the server's `/v1/runs` and `/v1/workflows/{id}/runs` routes.
 */
import {
  WeftError,
  type EventPage,
  type PruneOptions,
  type Pruned,
  type RunEvent,
  type RunPage,
  type RunsApi,
  type RunView,
  type StartedRun,
  type StartRunOptions,
  type WaitOptions,
  type WaitResult,
} from '@weft/core/client';
import { seg, type Http } from './http.js';
import { httpEvents } from './http-events.js';

const WAIT_HEADER = 'weft-wait';
const SEQ_HEADER = 'weft-event-seq';
/** How often `run` looks whether a debounced start's run was made. */
const MADE_POLL_MS = 100;

function startBody(o: StartRunOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (o.input !== undefined) body['input'] = o.input;
  if (o.version !== undefined) body['version'] = o.version;
  if (o.priority !== undefined) body['priority'] = o.priority;
  if (o.idempotencyKey !== undefined) body['idempotency_key'] = o.idempotencyKey;
  return body;
}

function pruneBody(o: PruneOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { older_than_ms: o.olderThanMs };
  if (o.status !== undefined) body['status'] = o.status;
  if (o.workflow !== undefined) body['workflow'] = o.workflow;
  return body;
}

/** Human nodes announce themselves with a `prompt` in their `node.waiting` event. */
function askedPaths(events: readonly RunEvent[]): Set<string> {
  const asked = new Set<string>();
  for (const e of events) {
    if (e.node === undefined || !e.type.startsWith('node.')) continue;
    const prompt = (e.data as { prompt?: unknown } | undefined)?.prompt;
    if (e.type === 'node.waiting' && typeof prompt === 'string') asked.add(e.node);
    else asked.delete(e.node);
  }
  return asked;
}

export function httpRuns(http: Http): RunsApi {
  const run = (id: string) => `/v1/runs/${seg(id)}`;

  /**
   * Repeats bounded waits (the server caps each one) until the run settles, the caller's
   * `timeoutMs` passes or the signal aborts; then answers the run as it is.
   */
  const waitFrom = async (
    id: string,
    o: WaitOptions,
    first?: Promise<Response>,
  ): Promise<WaitResult> => {
    const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
    let pending = first;
    for (;;) {
      const left = Math.max(0, deadline - Date.now());
      let res: Response;
      try {
        res =
          (await pending) ??
          (await http.send('GET', run(id), {
            query: { wait: 'true', timeout: Number.isFinite(left) ? Math.floor(left) : undefined },
            ...(o.signal === undefined ? {} : { signal: o.signal }),
          }));
      } catch (e) {
        if (o.signal?.aborted !== true) throw e;
        return { run: await runs.get(id), settled: false };
      }
      pending = undefined;
      const view = (await res.json()) as RunView;
      const settled = res.headers.get(WAIT_HEADER) === 'settled';
      if (settled || Date.now() >= deadline || o.signal?.aborted === true) {
        return { run: view, settled };
      }
    }
  };

  /** Resolves once a debounced start's run exists; rejects `timeout` past the deadline. */
  const madeBy = async (
    started: StartedRun,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    for (;;) {
      try {
        await runs.head(started.id);
        return;
      } catch (e) {
        if (!WeftError.is(e) || e.code !== 'not_found') throw e;
      }
      if (Date.now() >= deadline || signal?.aborted === true) {
        throw new WeftError(
          'timeout',
          `debounced run ${started.id} is made at ${started.debounced?.due_at ?? 'its due time'} (or later, if more starts of its key come); wait for it by its id`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(MADE_POLL_MS, deadline - Date.now())));
    }
  };

  const post = (id: string, action: string, json?: unknown) =>
    http.json<RunView>('POST', `${run(id)}/${action}`, json === undefined ? {} : { json });

  const runs: RunsApi = {
    start: (workflow, o = {}) =>
      http.json<StartedRun>('POST', `/v1/workflows/${seg(workflow)}/runs`, { json: startBody(o) }),
    async run(workflow, o = {}) {
      const { timeoutMs, signal, ...start } = o;
      const wait: WaitOptions = {};
      if (timeoutMs !== undefined) wait.timeoutMs = timeoutMs;
      if (signal !== undefined) wait.signal = signal;
      // Before the start: a debounced start's answer may come once the server's wait passed.
      const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
      // The first bounded wait rides on the start; the id comes back with the run.
      const first = http.send('POST', `/v1/workflows/${seg(workflow)}/runs`, {
        json: startBody(start),
        query: { wait: 'true', timeout: timeoutMs },
        ...(signal === undefined ? {} : { signal }),
      });
      const res = await first;
      const left = () => {
        const ms = Math.max(0, deadline - Date.now());
        return Number.isFinite(ms) ? { ...wait, timeoutMs: ms } : wait;
      };
      if (res.status !== 202) {
        const view = (await res.clone().json()) as RunView;
        return waitFrom(view.id, left(), Promise.resolve(res));
      }
      // A debounced start whose run was not made within the server's bound (its own, when the
      // caller gave none, is shorter than no bound): looked for until the caller's deadline.
      const started = (await res.json()) as StartedRun;
      await madeBy(started, deadline, signal);
      return waitFrom(started.id, left());
    },
    wait: (id, o = {}) => waitFrom(id, o),
    get: (id) => http.json<RunView>('GET', run(id)),
    async head(id) {
      const res = await http.send('GET', run(id));
      const { nodes: _nodes, ...summary } = (await res.json()) as RunView;
      return { run: summary, seq: Number(res.headers.get(SEQ_HEADER) ?? 0) };
    },
    list: (o = {}) =>
      http.json<RunPage>('GET', '/v1/runs', {
        query: { workflow: o.workflow, status: o.status, limit: o.limit, cursor: o.cursor },
      }),
    eventPage: (id, o = {}) =>
      http.json<EventPage>('GET', `${run(id)}/events`, {
        query: { after: o.after, limit: o.limit },
      }),
    events: (id, o = {}) => httpEvents(http, runs, id, o),
    pause: (id) => post(id, 'pause'),
    resume: (id) => post(id, 'resume'),
    cancel: (id, o = {}) => post(id, 'cancel', o.reason === undefined ? {} : { reason: o.reason }),
    retry: (id, o = {}) => post(id, 'retry', o.from === undefined ? {} : { from: o.from }),
    input: (id, node, value) => post(id, 'input', { node, value }),
    async waitingForAnswer(id) {
      const view = await runs.get(id);
      const events: RunEvent[] = [];
      for await (const e of runs.events(id, { follow: false })) events.push(e);
      const asked = askedPaths(events);
      return Object.keys(view.nodes).filter(
        (path) => view.nodes[path]?.status === 'waiting' && asked.has(path),
      );
    },
    send: (id, event) => http.json<RunView>('POST', `${run(id)}/events`, { json: event }),
    async delete(id) {
      await http.send('DELETE', run(id));
    },
    prune: (o) => http.json<Pruned>('POST', '/v1/runs/prune', { json: pruneBody(o) }),
  };
  return runs;
}
