/**
 * @module client/local-runs
 * The tenant's runs over the engine: every call first checks that the run is the tenant's.
 */
import { isTerminal, WeftError, type RunQuery, type RunRecord } from '@weft/core';
import type {
  PruneOptions,
  RunsApi,
  RunView,
  StartedRun,
  WaitOptions,
  WaitResult,
} from '@weft/core/client';
import type { ClientEngine } from './engine-port.js';
import { runSummary } from '../run-view.js';
import { localEvents } from './local-events.js';

/** Engines that run state machines have `send`; the graph-only engine has not (yet). */
type MaybeSending = ClientEngine & {
  send?(runId: string, event: { type: string; data?: unknown }): Promise<void>;
};

/** The run when it exists and is the tenant's; else `not_found`, the same as a missing run. */
export async function ownedRun(
  engine: ClientEngine,
  tenant: string,
  id: string,
): Promise<RunRecord> {
  const run = await engine.store.getRun(id);
  if (run === undefined || run.tenant !== tenant) throw new WeftError('not_found', `no run ${id}`);
  return run;
}

async function viewOf(engine: ClientEngine, tenant: string, id: string): Promise<RunView> {
  const view = await engine.get(id, { tenant });
  if (view === undefined) throw new WeftError('not_found', `no run ${id}`);
  return view;
}

/** Waits until the run settles, the timeout passes or the signal aborts, whichever is first. */
async function boundedWait(
  engine: ClientEngine,
  tenant: string,
  id: string,
  o: WaitOptions,
): Promise<WaitResult> {
  await ownedRun(engine, tenant, id);
  const bound = boundOf(o.timeoutMs, o.signal);
  const waiting = engine.wait(id);
  // A wait that loses the race may still reject later (engine closed): nobody listens then.
  waiting.catch(() => undefined);
  try {
    const run = await Promise.race([waiting, bound.cut]);
    if (run !== CUT) return { run, settled: true };
    return { run: await viewOf(engine, tenant, id), settled: false };
  } finally {
    bound.end();
  }
}

const CUT = Symbol('cut');

/** A promise of {@link CUT} once `timeoutMs` passed or `signal` aborted; `end()` lets go of both. */
function boundOf(
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): { cut: Promise<typeof CUT>; end: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<typeof CUT>((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve(CUT), timeoutMs);
    onAbort = () => resolve(CUT);
    if (signal?.aborted === true) resolve(CUT);
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return {
    cut,
    end() {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Resolves once a debounced start's run was made; rejects `timeout` when the bound (or the
 * signal) comes first: the run is made later, at its due time, and can be waited for by its id.
 */
async function madeWithin(
  engine: ClientEngine,
  started: StartedRun,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const bound = boundOf(timeoutMs, signal);
  const made = engine.made(started.id);
  made.catch(() => undefined);
  try {
    if ((await Promise.race([made, bound.cut])) === CUT) {
      throw new WeftError(
        'timeout',
        `debounced run ${started.id} is made at ${started.debounced?.due_at ?? 'its due time'} (or later, if more starts of its key come); wait for it by its id`,
      );
    }
  } finally {
    bound.end();
  }
}

/** A `not_found` about a node of a run that exists is a problem with the request's field. */
function fieldProblem(e: unknown, field: string, value: string): unknown {
  if (WeftError.is(e) && e.code === 'not_found' && e.message.includes(`"${value}"`)) {
    return new WeftError('invalid_request', e.message, {
      details: [{ path: field, message: e.message }],
    });
  }
  return e;
}

/** The checks the HTTP API makes of a prune's body, with the same code and paths. */
function checkPrune(o: PruneOptions): void {
  const problems: { path: string; message: string }[] = [];
  if (typeof o.olderThanMs !== 'number' || !Number.isFinite(o.olderThanMs) || o.olderThanMs < 0)
    problems.push({ path: 'older_than_ms', message: 'must be a number of ms, 0 or more' });
  if (o.status !== undefined && !isTerminal(o.status))
    problems.push({ path: 'status', message: 'must be one of succeeded, failed, cancelled' });
  if (o.workflow !== undefined && (typeof o.workflow !== 'string' || o.workflow === ''))
    problems.push({ path: 'workflow', message: 'must be a workflow id' });
  if (problems.length > 0) {
    const what = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new WeftError('invalid_request', `the request body is invalid: ${what}`, {
      details: problems,
    });
  }
}

export function localRuns(engine: MaybeSending, tenant: string): RunsApi {
  /** Checks the tenant, makes the move and answers with the run after it. */
  const steer = async (id: string, move: () => Promise<void>): Promise<RunView> => {
    await ownedRun(engine, tenant, id);
    await move();
    return viewOf(engine, tenant, id);
  };

  const runs: RunsApi = {
    async start(workflow, options = {}) {
      // Only stored workflows: the engine would publish definition text given here.
      if (/[\n:]/.test(workflow)) throw new WeftError('not_found', `no workflow "${workflow}"`);
      const started = await engine.start(workflow, { ...options, tenant });
      const answer: StartedRun = { id: started.id, status: started.status as RunView['status'] };
      if (started.skipped === true) answer.skipped = true;
      if (started.replaced !== undefined) answer.replaced = started.replaced;
      const d = started.debounced;
      if (d !== undefined) answer.debounced = { due_at: d.dueAt, joined: d.joined };
      return answer;
    },
    async run(workflow, options = {}) {
      const { timeoutMs, signal, ...start } = options;
      const began = performance.now();
      const started = await runs.start(workflow, start);
      if (started.debounced !== undefined) await madeWithin(engine, started, timeoutMs, signal);
      const left =
        timeoutMs === undefined
          ? undefined
          : Math.max(0, timeoutMs - Math.round(performance.now() - began));
      return boundedWait(engine, tenant, started.id, {
        ...(left === undefined ? {} : { timeoutMs: left }),
        ...(signal === undefined ? {} : { signal }),
      });
    },
    wait: (id, options = {}) => boundedWait(engine, tenant, id, options),
    get: (id) => viewOf(engine, tenant, id),
    async head(id) {
      const record = await ownedRun(engine, tenant, id);
      return { run: runSummary(record), seq: record.seq };
    },
    async list(options = {}) {
      const query: RunQuery = { tenant, limit: options.limit ?? 50 };
      if (options.workflow !== undefined) query.workflowId = options.workflow;
      if (options.status !== undefined) query.status = options.status;
      if (options.cursor !== undefined) query.cursor = options.cursor;
      const page = await engine.store.listRuns(query);
      const list = page.runs.map(runSummary);
      return page.cursor === undefined ? { runs: list } : { runs: list, cursor: page.cursor };
    },
    async eventPage(id, options = {}) {
      await ownedRun(engine, tenant, id);
      const limit = options.limit ?? 1000;
      const page = await engine.store.readEvents(id, options.after ?? 0, limit + 1);
      const has_more = page.length > limit;
      return { events: has_more ? page.slice(0, limit) : page, has_more };
    },
    events: (id, options = {}) =>
      localEvents(engine, () => ownedRun(engine, tenant, id), id, options),
    pause: (id) => steer(id, () => engine.pause(id)),
    resume: (id) => steer(id, () => engine.resume(id)),
    cancel: (id, options = {}) => steer(id, () => engine.cancel(id, options.reason)),
    retry: (id, options = {}) =>
      steer(id, async () => {
        try {
          await engine.retry(id, options.from === undefined ? {} : { from: options.from });
        } catch (e) {
          throw options.from === undefined ? e : fieldProblem(e, 'from', options.from);
        }
      }),
    input: (id, node, value) =>
      steer(id, async () => {
        try {
          await engine.input(id, node, value);
        } catch (e) {
          throw fieldProblem(e, 'node', node);
        }
      }),
    async waitingForAnswer(id) {
      await ownedRun(engine, tenant, id);
      return engine.waitingForAnswer(id);
    },
    async send(id, event) {
      const run = await ownedRun(engine, tenant, id);
      const workflow = await engine.store.getWorkflow(tenant, run.workflowId, run.version);
      if (workflow?.definition.kind !== 'state-machine') {
        throw new WeftError(
          'invalid_state',
          `run ${id} is a run of the graph workflow "${run.workflowId}": events go to state-machine runs only`,
        );
      }
      if (engine.send === undefined) {
        throw new WeftError(
          'invalid_state',
          'this server does not run state-machine workflows yet',
        );
      }
      await engine.send(id, event);
      return viewOf(engine, tenant, id);
    },
    async delete(id) {
      await ownedRun(engine, tenant, id);
      await engine.deleteRun(id, { tenant });
    },
    async prune(options) {
      checkPrune(options);
      const { deleted } = await engine.pruneRuns({
        tenant,
        olderThanMs: options.olderThanMs,
        ...(options.status === undefined ? {} : { statuses: [options.status] }),
        ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
      });
      return { deleted };
    },
  };
  return runs;
}
