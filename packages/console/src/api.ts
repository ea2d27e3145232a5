/**
 * The console's only way to the server: the public HTTP API with the user's key. Errors come back
 * as {@link ApiError}, with the API's code and details, or `unreachable` when no answer came.
 */

/** One problem of an error answer (`details`), with its place in the text sent when it has one. */
export interface Detail {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Detail[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const KEY_ITEM = 'weft.apiKey';

/** The key of this browser tab: kept in session storage, so it goes with the tab. */
export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY_ITEM);
  },
  setKey(key: string): void {
    sessionStorage.setItem(KEY_ITEM, key);
  },
  forget(): void {
    sessionStorage.removeItem(KEY_ITEM);
  },
};

/** Told when the server refuses the key, so the page can ask for another. */
type Listener = (e: ApiError) => void;
const refusedListeners = new Set<Listener>();
export function onKeyRefused(l: Listener): () => void {
  refusedListeners.add(l);
  return () => refusedListeners.delete(l);
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  yaml?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** An explicit key (the key form tries one before keeping it). */
  key?: string;
}

function headersFor(o: RequestOptions): Headers {
  const h = new Headers(o.headers);
  const key = o.key ?? session.key();
  if (key !== null && key !== '') h.set('authorization', `Bearer ${key}`);
  if (o.json !== undefined) h.set('content-type', 'application/json');
  if (o.yaml !== undefined) h.set('content-type', 'application/yaml');
  return h;
}

/** Fetches, turning a failed connection into `unreachable`. */
async function send(path: string, o: RequestOptions): Promise<Response> {
  try {
    return await fetch(path, {
      method: o.method ?? (o.json !== undefined || o.yaml !== undefined ? 'POST' : 'GET'),
      headers: headersFor(o),
      body: o.json !== undefined ? JSON.stringify(o.json) : o.yaml,
      signal: o.signal ?? null,
    });
  } catch (e) {
    if (o.signal?.aborted === true) throw e;
    throw new ApiError(
      0,
      'unreachable',
      `The Weft server at ${location.origin} cannot be reached: it may have stopped or the network is down.`,
    );
  }
}

async function errorOf(res: Response, path: string, sessionKey: boolean): Promise<ApiError> {
  let body: Record<string, any> = {};
  try {
    body = (await res.json()) as Record<string, any>;
  } catch {
    // not the API's error shape: a proxy's page, say
  }
  const e = (body['error'] ?? {}) as Record<string, any>;
  const err = new ApiError(
    res.status,
    typeof e['code'] === 'string' ? e['code'] : `http_${res.status}`,
    typeof e['message'] === 'string' ? e['message'] : `${res.status} ${res.statusText} for ${path}`,
    Array.isArray(e['details']) ? (e['details'] as Detail[]) : [],
    e,
  );
  // Only the kept key's refusal means it went bad: a key being tried is the key form's to judge.
  if (res.status === 401 && sessionKey) for (const l of refusedListeners) l(err);
  return err;
}

/** A JSON answer, or throws {@link ApiError}. */
export async function api<T = any>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await send(path, o);
  if (!res.ok) throw await errorOf(res, path, o.key === undefined);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** One event of a run's log. */
export interface RunEvent {
  seq: number;
  type: string;
  at: string;
  node?: string;
  data?: any;
}

export const TERMINAL_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

/**
 * Follows a run's live event stream (SSE over fetch: an EventSource cannot send the key), from
 * after `after`. Reconnects after a broken connection from the last event seen, as the API's
 * `Last-Event-ID` allows; resolves after the terminal event, or when `signal` aborts; rejects with
 * an {@link ApiError} the server answered (a deleted run: 404).
 */
export async function followRun(
  id: string,
  after: number,
  onEvent: (e: RunEvent) => void,
  signal: AbortSignal,
  onConnection?: (up: boolean) => void,
): Promise<void> {
  let last = after;
  for (;;) {
    let res: Response;
    try {
      res = await send(`/v1/runs/${encodeURIComponent(id)}/events`, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(last) },
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      onConnection?.(false);
      if (!(await pause(2000, signal))) return;
      if (e instanceof ApiError && e.code === 'unreachable') continue;
      throw e;
    }
    if (!res.ok) throw await errorOf(res, 'events', true);
    onConnection?.(true);
    let ended = false;
    try {
      for await (const e of sseEvents(res.body!)) {
        last = e.seq;
        onEvent(e);
        if (TERMINAL_EVENTS.has(e.type)) ended = true;
      }
    } catch {
      if (signal.aborted) return;
    }
    if (ended || signal.aborted) return;
    onConnection?.(false);
    if (!(await pause(1000, signal))) return;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** The `data:` of each event of a Server-Sent Events body, parsed as a run event. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RunEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data !== '') yield JSON.parse(data) as RunEvent;
    }
  }
}
