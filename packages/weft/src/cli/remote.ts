/**
 * @module cli/remote
 * `weft runs ... --server URL [--key K]`: the `runs` commands against a Weft server over its HTTP
 * API, with the output and exit codes of the local ones. `events --follow` streams live (SSE) and
 * reconnects with Last-Event-ID if the connection drops; `resume`, `retry` and `input` follow the
 * run until it ends or waits again, as locally.
 */
import { errorSpec, isRunEvent, isTerminalEvent, type RunEvent } from '@weft/core';
import type { RunView } from '@weft/engine';
import { CliError, EXIT } from './exit-codes.js';
import { formatEventLine, runsTable, showText } from './runs-command.js';
import { parseLooseJson } from './io.js';
import { Progress } from './progress.js';
import { report } from './report.js';
import { resolveRunRef } from './run-ref.js';

export interface RemoteArgs {
  sub: string;
  positionals: string[];
  server: string;
  key?: string;
  json: boolean;
  follow?: boolean;
  workflow?: string;
  status?: string;
  limit?: string;
  node?: string;
  value?: string;
  from?: string;
  after?: string;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small client of the HTTP API; errors become CliErrors with the CLI's exit codes. */
export class RemoteClient {
  readonly #base: string;
  readonly #key: string | undefined;

  constructor(server: string, key: string | undefined) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new CliError(
        `--server must be a URL such as http://127.0.0.1:8080, not "${server}"`,
        EXIT.invalid,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError(`--server must be an http or https URL, not "${server}"`, EXIT.invalid);
    }
    this.#base = url.href.replace(/\/+$/, '');
    this.#key = key;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#key !== undefined) headers.set('authorization', `Bearer ${this.#key}`);
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { ...init, headers });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${this.#base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        EXIT.failed,
      );
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async json<T>(
    path: string,
    init: RequestInit & { body?: string } = {},
  ): Promise<{ body: T; res: Response }> {
    const headers = new Headers(init.headers);
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    const res = await this.fetch(path, { ...init, headers });
    return { body: (await res.json()) as T, res };
  }

  post<T>(path: string, body?: unknown): Promise<{ body: T; res: Response }> {
    return this.json<T>(path, {
      method: 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /**
   * Streams a run's events after `after` to `onEvent` until the terminal event (true) or until
   * `signal` aborts (false). A dropped connection is resumed with Last-Event-ID, a few times.
   */
  async stream(
    runId: string,
    after: number,
    onEvent: (e: RunEvent) => void,
    signal?: AbortSignal,
  ): Promise<boolean> {
    let last = after;
    for (let failures = 0; ;) {
      try {
        const res = await this.fetch(`/v1/runs/${encodeURIComponent(runId)}/events`, {
          headers: { accept: 'text/event-stream', 'last-event-id': String(last) },
          ...(signal === undefined ? {} : { signal }),
        });
        const ended = await readEvents(res, (e) => {
          last = e.seq;
          failures = 0;
          onEvent(e);
        });
        if (ended) return true;
      } catch (e) {
        if (signal?.aborted) return false;
        if (e instanceof CliError && !/cannot reach/.test(e.message)) throw e;
        if (++failures > 5) throw e;
      }
      if (signal?.aborted) return false;
      await delay(250 * 2 ** failures);
    }
  }
}

async function errorOf(res: Response): Promise<CliError> {
  const text = await res.text();
  let error:
    | {
        code?: string;
        message?: string;
        details?: { path?: string; message?: string; line?: number }[];
      }
    | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  const head =
    error?.code !== undefined
      ? `${error.code}: ${error.message ?? ''}`
      : `HTTP ${res.status}: ${text.slice(0, 200)}`;
  const details = (error?.details ?? []).map(
    (d) => `\n  ${d.path === '' || d.path === undefined ? '(body)' : d.path}: ${d.message ?? ''}`,
  );
  const exit =
    error?.code !== undefined
      ? errorSpec(error.code).exit
      : res.status === 400 || res.status === 422
        ? EXIT.invalid
        : EXIT.failed;
  return new CliError(head + details.join(''), exit);
}

/** Reads SSE messages of run events; true when the terminal event came. */
async function readEvents(res: Response, onEvent: (e: RunEvent) => void): Promise<boolean> {
  const reader = res.body?.getReader();
  if (reader === undefined) return false;
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return false;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data === '') continue;
        const e: unknown = JSON.parse(data);
        // An event type this client does not know (a newer server) is skipped, not misread.
        if (!isRunEvent(e)) continue;
        onEvent(e);
        if (isTerminalEvent(e)) return true;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const runPath = (id: string, action = '') => `/v1/runs/${encodeURIComponent(id)}${action}`;
const seqOf = (res: Response) => Number(res.headers.get('weft-event-seq') ?? 0);

/** A whole run id (a UUID): sent as it is, so the server's own answer is what the user sees. */
const WHOLE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The run the first positional names: an id, a unique prefix, or `last` (read from the API). */
async function runIdOf(client: RemoteClient, a: RemoteArgs): Promise<string> {
  const ref = a.positionals[0];
  if (ref === undefined)
    throw new CliError(`weft runs ${a.sub} needs a run id (or a prefix, or last)`, EXIT.invalid);
  if (WHOLE_ID.test(ref)) return ref;
  return resolveRunRef(ref, {
    exists: async (id) => {
      try {
        await client.json(runPath(id));
        return true;
      } catch (e) {
        if (e instanceof CliError && e.message.startsWith('not_found:')) return false;
        throw e;
      }
    },
    page: async (cursor, limit) => {
      const q = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined) q.set('cursor', cursor);
      const { body } = await client.json<{ runs: { id: string }[]; cursor?: string }>(
        `/v1/runs?${q.toString()}`,
      );
      return {
        ids: body.runs.map((r) => r.id),
        ...(body.cursor === undefined ? {} : { cursor: body.cursor }),
      };
    },
  });
}

export async function remoteRunsCommand(a: RemoteArgs): Promise<number> {
  const client = new RemoteClient(a.server, a.key);
  if (a.sub === 'list') return list(client, a);
  if (!['show', 'events', 'cancel', 'pause', 'resume', 'retry', 'input'].includes(a.sub))
    throw new CliError(`unknown command "runs ${a.sub}"; see weft help runs`, EXIT.invalid);
  const ref = await runIdOf(client, a);
  const id = () => ref;
  switch (a.sub) {
    case 'show': {
      const { body } = await client.json<RunView>(runPath(id()));
      process.stdout.write(
        a.json
          ? `${JSON.stringify(body, null, 2)}\n`
          : showText(body, process.stdout.isTTY === true),
      );
      return EXIT.ok;
    }
    case 'events':
      return events(client, id(), a);
    case 'cancel':
    case 'pause': {
      const { body } = await client.post<RunView>(runPath(id(), `/${a.sub}`));
      process.stdout.write(
        a.json ? `${JSON.stringify(body, null, 2)}\n` : `run ${body.id} ${body.status}\n`,
      );
      return EXIT.ok;
    }
    case 'resume': {
      const { body: run, res } = await client.json<RunView>(runPath(id()));
      // The server carries on runs whose process died by itself; a paused (or finished) one is resumed.
      if (['running', 'waiting', 'queued'].includes(run.status))
        return follow(client, run.id, a, seqOf(res));
      const moved = await client.post<RunView>(runPath(run.id, '/resume'));
      return follow(client, run.id, a, seqOf(moved.res));
    }
    case 'retry': {
      const moved = await client.post<RunView>(
        runPath(id(), '/retry'),
        a.from === undefined ? {} : { from: a.from },
      );
      return follow(client, moved.body.id, a, seqOf(moved.res));
    }
    case 'input': {
      if (a.node === undefined || a.value === undefined) {
        throw new CliError('weft runs input RUN --node NODE --value JSON', EXIT.invalid);
      }
      const moved = await client.post<RunView>(runPath(id(), '/input'), {
        node: a.node,
        value: parseLooseJson(a.value),
      });
      return follow(client, moved.body.id, a, seqOf(moved.res));
    }
    default:
      throw new CliError(`unknown command "runs ${a.sub}"; see weft help`, EXIT.invalid);
  }
}

async function list(client: RemoteClient, a: RemoteArgs): Promise<number> {
  const q = new URLSearchParams();
  if (a.workflow !== undefined) q.set('workflow', a.workflow);
  if (a.status !== undefined) q.set('status', a.status);
  if (a.limit !== undefined) q.set('limit', a.limit);
  const { body } = await client.json<{ runs: Omit<RunView, 'nodes'>[] }>(
    `/v1/runs${q.size > 0 ? `?${q.toString()}` : ''}`,
  );
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ runs: body.runs }, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    runsTable(
      body.runs.map((r) => ({
        id: r.id,
        workflow: r.workflow,
        version: r.version,
        status: r.status,
        created: r.created_at,
        started: r.started_at,
        finished: r.finished_at,
      })),
    ),
  );
  return EXIT.ok;
}

async function events(client: RemoteClient, id: string, a: RemoteArgs): Promise<number> {
  let after = a.after === undefined ? 0 : Number(a.after);
  if (!Number.isInteger(after) || after < 0)
    throw new CliError('--after must be an event seq (0 or more)', EXIT.invalid);
  const print = (e: RunEvent) =>
    process.stdout.write(a.json ? `${JSON.stringify(e)}\n` : formatEventLine(e));
  if (a.follow === true) {
    await client.stream(id, after, print);
    return EXIT.ok;
  }
  for (;;) {
    const { body } = await client.json<{ events: RunEvent[]; has_more: boolean }>(
      `${runPath(id, '/events')}?after=${after}`,
    );
    for (const e of body.events) print(e);
    if (!body.has_more || body.events.length === 0) return EXIT.ok;
    after = body.events.at(-1)!.seq;
  }
}

/** Shows the run's progress until it ends or waits for someone; the exit code of `weft run`. */
async function follow(
  client: RemoteClient,
  id: string,
  a: RemoteArgs,
  after: number,
): Promise<number> {
  const progress = new Progress();
  const stop = new AbortController();
  const streaming = client
    .stream(id, after, (e) => progress.event(e), stop.signal)
    .catch(() => false);
  try {
    for (;;) {
      const { body: run, res } = await client.json<RunView>(
        `${runPath(id)}?wait=true&timeout=60000`,
      );
      if (res.headers.get('weft-wait') !== 'settled') continue;
      await Promise.race([streaming, delay(200)]);
      progress.stop();
      return report(run, a.json, { where: ` --server ${a.server}` });
    }
  } finally {
    stop.abort();
    progress.stop();
  }
}
