/**
 * The http node against real local servers. Allowed cases run with WEFT_HTTP_ALLOW=127.0.0.1;
 * refused cases assert that the servers saw no request at all.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WeftError, type Credential, type Logger, type NodeContext } from '@weft/core/plugin';
import { createHttpNode, httpNode, type HttpOutput } from './http-node.js';
import { httpParams } from './params.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  server: Server;
  origin: string;
  seen: Seen[];
}

/** A server whose routes are chosen by path; every request is recorded. */
async function startServer(host = '127.0.0.1'): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(entry);
      const url = new URL(req.url ?? '/', 'http://x');
      const q = (name: string) => url.searchParams.get(name) ?? undefined;
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify(value));
      };
      const parts = url.pathname.split('/').filter(Boolean);
      switch (parts[0]) {
        case 'json':
          return json(200, { hello: 'world', n: 1 });
        case 'text':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end('plain text');
        case 'echo':
          res.setHeader('set-cookie', ['a=1', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
          res.setHeader('x-multi', ['one', 'two']);
          return json(200, entry);
        case 'status': {
          const headers: Record<string, string> = { 'content-type': 'text/plain' };
          const retryAfter = q('retry_after');
          if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
          return res.writeHead(Number(parts[1]), headers).end(q('say') ?? `status ${parts[1]}`);
        }
        case 'redirect':
          return res.writeHead(Number(q('status') ?? 302), { location: q('to') ?? '/json' }).end();
        case 'chain': {
          const n = Number(parts[1]);
          if (n === 0) return json(200, { done: true });
          return res.writeHead(302, { location: `/chain/${n - 1}` }).end();
        }
        case 'badjson':
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
        case 'big':
          return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
        case 'slow':
          return; // never answers: the caller's signal must end the request
        default:
          return json(404, { error: 'no route' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://${host}:${port}`, seen };
}

const stopServer = (s: TestServer) =>
  new Promise<void>((resolve) => {
    s.server.closeAllConnections();
    s.server.close(() => resolve());
  });

interface LogLine {
  level: string;
  obj: object;
  msg: string | undefined;
}

/** A node context as the engine builds one: a signal, a fixed key, credentials from a Map. */
function makeContext(
  options: {
    signal?: AbortSignal;
    key?: string;
    credentials?: Map<string, Credential>;
    attempt?: number;
  } = {},
) {
  const lines: LogLine[] = [];
  const log: Logger = {
    debug: (obj, msg) => lines.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    child: () => log,
  };
  const credentials = options.credentials ?? new Map<string, Credential>();
  const ctx: NodeContext = {
    runId: 'run_1',
    workflowId: 'wf',
    nodeId: 'call',
    path: 'call',
    attempt: options.attempt ?? 1,
    idempotencyKey: options.key ?? 'run_1:call',
    signal: options.signal ?? new AbortController().signal,
    emit: { progress() {}, message() {} },
    log,
    credentials: {
      get: async (name) => {
        const c = credentials.get(name);
        if (!c) throw new WeftError('credential_not_found', `credential "${name}" not found`);
        return c;
      },
    },
    services: {},
    step: async (_name, fn) => fn(),
    ask: () => Promise.reject(new Error('the http node never asks')),
    tokens: {
      left: () => undefined,
      allowance: () => Promise.resolve(undefined),
      spend: () => undefined,
    },
  };
  return { ctx, lines };
}

type Node = ReturnType<typeof createHttpNode>;

/** Runs one attempt of the node with raw `with:` parameters, as the engine does after rendering. */
async function run(node: Node, params: Record<string, unknown>, ctx = makeContext().ctx) {
  if (!node.run) throw new Error('http node has no run');
  return (await node.run(ctx, node.params.parse(params))) as HttpOutput;
}

/** The request as the /echo route saw it. */
const echoed = (out: HttpOutput) => out.body as Seen;

/** The WeftError a run fails with. */
async function failure(promise: Promise<unknown>): Promise<WeftError> {
  try {
    await promise;
  } catch (error) {
    if (WeftError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

let a: TestServer;
let b: TestServer;
let other: TestServer; // on 127.0.0.2: loopback, but not on the allow-list

beforeAll(async () => {
  [a, b, other] = await Promise.all([startServer(), startServer(), startServer('127.0.0.2')]);
});
afterAll(async () => {
  await Promise.all([a, b, other].map(stopServer));
});
beforeEach(() => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
});
afterEach(() => {
  delete process.env['WEFT_HTTP_ALLOW'];
  for (const s of [a, b, other]) s.seen.length = 0;
});

describe('http node: requests and answers', () => {
  it('declares its type and schema', () => {
    expect(httpNode.type).toBe('http');
    expect(httpNode.params).toBe(httpParams);
  });

  it('parses a JSON answer and returns status and lower-case headers', async () => {
    const out = await run(httpNode, { url: `${a.origin}/json` });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ hello: 'world', n: 1 });
    expect(out.headers['content-type']).toBe('application/json');
  });

  it('returns text for a text answer, and text when asked even for JSON', async () => {
    expect((await run(httpNode, { url: `${a.origin}/text` })).body).toBe('plain text');
    expect((await run(httpNode, { url: `${a.origin}/json`, response: 'text' })).body).toBe(
      '{"hello":"world","n":1}',
    );
  });

  it('sends method, query, headers and a JSON body', async () => {
    const out = await run(httpNode, {
      method: 'POST',
      url: `${a.origin}/echo?x=1`,
      query: { q: 'a b', n: 2, flag: false },
      headers: { 'X-Trace': 'abc', 'X-Num': 7 },
      body: { hello: ['world'] },
    });
    expect(echoed(out).method).toBe('POST');
    expect(echoed(out).url).toBe('/echo?x=1&q=a+b&n=2&flag=false');
    expect(echoed(out).headers['x-trace']).toBe('abc');
    expect(echoed(out).headers['x-num']).toBe('7');
    expect(echoed(out).headers['content-type']).toBe('application/json');
    expect(JSON.parse(echoed(out).body)).toEqual({ hello: ['world'] });
    expect(out.headers['set-cookie']).toEqual([
      'a=1',
      'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
    ]);
    expect(out.headers['x-multi']).toBe('one, two');
  });

  it('sends a string body as is when a content-type is given', async () => {
    const out = await run(httpNode, {
      method: 'PUT',
      url: `${a.origin}/echo`,
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1,2',
    });
    expect(echoed(out).body).toBe('a,b\n1,2');
    expect(echoed(out).headers['content-type']).toBe('text/csv');
  });

  it('answers HEAD with an empty body', async () => {
    const out = await run(httpNode, { method: 'HEAD', url: `${a.origin}/json` });
    expect(out).toMatchObject({ status: 200, body: null });
  });

  it('sends the same Idempotency-Key on every attempt of a node execution', async () => {
    await run(
      httpNode,
      { url: `${a.origin}/echo` },
      makeContext({ key: 'run_9:fetch', attempt: 1 }).ctx,
    );
    await run(
      httpNode,
      { url: `${a.origin}/echo` },
      makeContext({ key: 'run_9:fetch', attempt: 2 }).ctx,
    );
    expect(a.seen.map((s) => s.headers['idempotency-key'])).toEqual(['run_9:fetch', 'run_9:fetch']);
  });

  it('accepts the statuses listed in expect_status', async () => {
    expect(
      (await run(httpNode, { url: `${a.origin}/status/404`, expect_status: 404 })).status,
    ).toBe(404);
    expect(
      (await run(httpNode, { url: `${a.origin}/status/201`, expect_status: [200, '2xx'] })).status,
    ).toBe(201);
    const e = await failure(run(httpNode, { url: `${a.origin}/json`, expect_status: 201 }));
    expect(e).toMatchObject({ code: 'http_status', retryable: false, details: { status: 200 } });
  });

  it('fails with response_parse when JSON is expected and the body is not JSON', async () => {
    const auto = await failure(run(httpNode, { url: `${a.origin}/badjson` }));
    expect(auto).toMatchObject({ code: 'response_parse', retryable: false });
    const forced = await failure(run(httpNode, { url: `${a.origin}/text`, response: 'json' }));
    expect(forced.code).toBe('response_parse');
  });

  it('refuses a body larger than the limit', async () => {
    const small = createHttpNode({ maxResponseBytes: 1000 });
    const e = await failure(run(small, { url: `${a.origin}/big` }));
    expect(e).toMatchObject({ code: 'response_too_large', retryable: false });
  });
});

describe('http node: errors and retryability', () => {
  it('429 with Retry-After in seconds is retryable with retryAfterMs', async () => {
    const e = await failure(run(httpNode, { url: `${a.origin}/status/429?retry_after=3` }));
    expect(e).toMatchObject({
      code: 'http_status',
      retryable: true,
      retryAfterMs: 3000,
      details: { status: 429 },
    });
  });

  it('503 with Retry-After as an HTTP date is retryable', async () => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const e = await failure(
      run(httpNode, { url: `${a.origin}/status/503?retry_after=${encodeURIComponent(date)}` }),
    );
    expect(e).toMatchObject({ code: 'http_status', retryable: true });
    expect(e.retryAfterMs).toBeGreaterThan(50_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it.each([
    [500, true],
    [502, true],
    [408, true],
    [404, false],
    [400, false],
    [401, false],
  ])('%i is retryable: %s, with status and a body excerpt', async (status, retryable) => {
    const e = await failure(
      run(httpNode, { url: `${a.origin}/status/${status}?say=${'z'.repeat(5000)}` }),
    );
    expect(e).toMatchObject({ code: 'http_status', retryable, details: { status, method: 'GET' } });
    expect(e.message).toContain(`answered ${status}; expected 2xx`);
    const { body_excerpt } = e.details as { body_excerpt: string };
    expect(body_excerpt.length).toBeLessThan(1100);
    expect(body_excerpt.startsWith('zzz')).toBe(true);
  });

  it('aborts with a retryable `aborted` when the signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('node timed out', 'TimeoutError')), 100);
    const started = Date.now();
    const e = await failure(
      run(httpNode, { url: `${a.origin}/slow` }, makeContext({ signal: controller.signal }).ctx),
    );
    expect(e).toMatchObject({ code: 'aborted', retryable: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(a.seen).toHaveLength(1);
  });

  it('does not send anything when the signal has already fired', async () => {
    const e = await failure(
      run(httpNode, { url: `${a.origin}/json` }, makeContext({ signal: AbortSignal.abort() }).ctx),
    );
    expect(e.code).toBe('aborted');
    expect(a.seen).toHaveLength(0);
  });

  it('a refused connection is a retryable network_error', async () => {
    const closed = await startServer();
    await stopServer(closed);
    const e = await failure(run(httpNode, { url: `${closed.origin}/json` }));
    expect(e).toMatchObject({
      code: 'network_error',
      retryable: true,
      details: { cause_code: 'ECONNREFUSED' },
    });
  });

  it('a name that does not resolve is a network_error that is not retried', async () => {
    const node = createHttpNode({
      resolve: () =>
        Promise.reject(
          Object.assign(new Error('getaddrinfo ENOTFOUND nope.test'), { code: 'ENOTFOUND' }),
        ),
    });
    const e = await failure(run(node, { url: 'https://nope.test/' }));
    expect(e).toMatchObject({ code: 'network_error', retryable: false });
    const again = createHttpNode({
      resolve: () =>
        Promise.reject(
          Object.assign(new Error('getaddrinfo EAI_AGAIN x.test'), { code: 'EAI_AGAIN' }),
        ),
    });
    expect(await failure(run(again, { url: 'https://x.test/' }))).toMatchObject({
      code: 'network_error',
      retryable: true,
    });
  });

  it('an unknown credential fails before any request', async () => {
    const e = await failure(run(httpNode, { url: `${a.origin}/json`, credential: 'missing' }));
    expect(e.code).toBe('credential_not_found');
    expect(a.seen).toHaveLength(0);
  });
});

describe('http node: credentials', () => {
  const secret = 'tok-SECRET-0123456789';
  const credentials = new Map<string, Credential>([
    ['api', { type: 'bearer', value: secret }],
    ['basic', { type: 'basic', username: 'ann', password: 'hunter2-pass' }],
    ['key', { type: 'header', name: 'X-Api-Key', value: secret }],
  ]);

  it.each([
    ['api', 'authorization', `Bearer ${secret}`],
    ['basic', 'authorization', `Basic ${Buffer.from('ann:hunter2-pass').toString('base64')}`],
    ['key', 'x-api-key', secret],
  ])('sends the %s credential, and never shows it in the output', async (name, header, value) => {
    const { ctx, lines } = makeContext({ credentials });
    const out = await run(httpNode, { url: `${a.origin}/echo`, credential: name }, ctx);
    expect(a.seen[0]?.headers[header]).toBe(value);
    const shown = JSON.stringify(out) + JSON.stringify(lines);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('hunter2-pass');
    expect(shown).not.toContain(Buffer.from('ann:hunter2-pass').toString('base64'));
    expect(shown).toContain('[redacted]');
  });

  it('keeps the credential out of errors when the server echoes it', async () => {
    const { ctx } = makeContext({ credentials });
    const e = await failure(
      run(httpNode, { url: `${a.origin}/status/500?say=${secret}`, credential: 'api' }, ctx),
    );
    expect(e.code).toBe('http_status');
    expect(JSON.stringify(e.toJSON()) + e.message).not.toContain(secret);
  });

  it('drops the credential when a redirect changes origin, keeps it on the same origin', async () => {
    const { ctx } = makeContext({ credentials });
    const to = encodeURIComponent(`${b.origin}/echo`);
    await run(
      httpNode,
      {
        url: `${a.origin}/redirect?status=307&to=${to}`,
        credential: 'key',
        headers: { Authorization: 'Bearer manual' },
      },
      ctx,
    );
    expect(b.seen[0]?.headers['x-api-key']).toBeUndefined();
    expect(b.seen[0]?.headers['authorization']).toBeUndefined();
    expect(b.seen[0]?.headers['idempotency-key']).toBe('run_1:call');

    await run(
      httpNode,
      { url: `${a.origin}/redirect?to=/echo`, credential: 'key' },
      makeContext({ credentials }).ctx,
    );
    expect(a.seen.at(-1)?.headers['x-api-key']).toBe(secret);
  });
});

describe('http node: redirects', () => {
  it('follows up to 5 redirects and refuses the 6th', async () => {
    expect((await run(httpNode, { url: `${a.origin}/chain/5` })).body).toEqual({ done: true });
    a.seen.length = 0;
    const e = await failure(run(httpNode, { url: `${a.origin}/chain/6` }));
    expect(e).toMatchObject({ code: 'too_many_redirects', retryable: false });
    expect(a.seen).toHaveLength(6);
  });

  it('303 turns POST into GET without a body; 307 keeps both', async () => {
    const see = await run(httpNode, {
      method: 'POST',
      url: `${a.origin}/redirect?status=303&to=/echo`,
      body: { a: 1 },
    });
    expect(see.body).toMatchObject({ method: 'GET', body: '' });
    expect(echoed(see).headers['content-type']).toBeUndefined();
    const keep = await run(httpNode, {
      method: 'POST',
      url: `${a.origin}/redirect?status=307&to=/echo`,
      body: { a: 1 },
    });
    expect(keep.body).toMatchObject({ method: 'POST', body: '{"a":1}' });
  });

  it('returns the redirect itself when follow_redirects is false', async () => {
    const out = await run(httpNode, {
      url: `${a.origin}/redirect?to=/json`,
      follow_redirects: false,
      expect_status: '3xx',
    });
    expect(out).toMatchObject({ status: 302, headers: { location: '/json' } });
    expect(a.seen).toHaveLength(1);
  });

  it.each([
    ['a loopback address off the allow-list', () => `${other.origin}/json`, 'loopback'],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['a private address', () => 'http://10.0.0.1/', 'private'],
    [
      'an IPv4-mapped loopback address',
      () => `http://[::ffff:127.0.0.2]:${new URL(other.origin).port}/`,
      'loopback',
    ],
  ])(
    're-checks every hop: a redirect to %s is refused before connecting',
    async (_, target, cls) => {
      const e = await failure(
        run(httpNode, { url: `${a.origin}/redirect?to=${encodeURIComponent(target())}` }),
      );
      expect(e).toMatchObject({ code: 'ssrf_blocked', retryable: false, details: { class: cls } });
      expect(a.seen).toHaveLength(1);
      expect(other.seen).toHaveLength(0);
    },
  );

  it('refuses a redirect to another scheme', async () => {
    const e = await failure(
      run(httpNode, { url: `${a.origin}/redirect?to=${encodeURIComponent('file:///etc/passwd')}` }),
    );
    expect(e.code).toBe('invalid_url');
  });
});

describe('http node: SSRF guard', () => {
  const port = () => new URL(a.origin).port;

  it.each([
    ['loopback', () => `http://127.0.0.1:${port()}/json`, '127.0.0.1 (loopback)'],
    ['decimal', () => `http://2130706433:${port()}/json`, '127.0.0.1 (loopback)'],
    ['octal', () => `http://0177.0.0.1:${port()}/json`, '127.0.0.1 (loopback)'],
    ['hex', () => `http://0x7f.1:${port()}/json`, '127.0.0.1 (loopback)'],
    ['short', () => `http://127.1:${port()}/json`, '127.0.0.1 (loopback)'],
    [
      'IPv4-mapped IPv6',
      () => `http://[::ffff:127.0.0.1]:${port()}/json`,
      '::ffff:7f00:1 (loopback, ipv4-mapped)',
    ],
    ['IPv6 loopback', () => `http://[::1]:${port()}/json`, '::1 (loopback)'],
    ['unspecified', () => `http://0.0.0.0:${port()}/json`, '0.0.0.0 (unspecified)'],
    ['localhost', () => `http://localhost:${port()}/json`, 'localhost (127.0.0.1: loopback)'],
    ['private', () => 'http://192.168.1.1/', '192.168.1.1 (private)'],
    ['metadata', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 (metadata)'],
    ['IPv6 metadata', () => 'http://[fd00:ec2::254]/', 'fd00:ec2::254 (metadata)'],
  ])('without an allow-list, refuses %s and sends nothing', async (_, url, where) => {
    delete process.env['WEFT_HTTP_ALLOW'];
    const e = await failure(run(httpNode, { url: url() }));
    expect(e).toMatchObject({ code: 'ssrf_blocked', retryable: false });
    expect(e.message).toContain(`request to ${where} refused`);
    expect(e.message).toMatch(/allow it with WEFT_HTTP_ALLOW=\S+/);
    expect(a.seen).toHaveLength(0);
  });

  it('names the host and the fix in the message', async () => {
    delete process.env['WEFT_HTTP_ALLOW'];
    const e = await failure(run(httpNode, { url: `http://127.0.0.1:${port()}/` }));
    expect(e.message).toBe(
      'request to 127.0.0.1 (loopback) refused: private, loopback, link-local and metadata addresses are blocked; ' +
        'allow it with WEFT_HTTP_ALLOW=127.0.0.1',
    );
  });

  it('reads WEFT_HTTP_ALLOW at call time: CIDRs and host names', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.0/30';
    expect((await run(httpNode, { url: `${other.origin}/json` })).status).toBe(200);
    process.env['WEFT_HTTP_ALLOW'] = 'localhost';
    expect((await run(httpNode, { url: `http://localhost:${port()}/json` })).status).toBe(200);
    // the name is allowed, not the address behind it
    expect((await failure(run(httpNode, { url: `${a.origin}/json` }))).code).toBe('ssrf_blocked');
  });

  it('refuses a name when any of its addresses is not global', async () => {
    const resolve = () =>
      Promise.resolve([
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ]);
    const e = await failure(
      run(createHttpNode({ allow: [], resolve }), { url: 'https://mixed.test/' }),
    );
    expect(e.message).toContain('request to mixed.test (10.1.2.3: private) refused');
    expect(e.message).toContain('WEFT_HTTP_ALLOW=mixed.test');
  });

  it('connects to the address it checked, keeping the host name in the Host header', async () => {
    let lookups = 0;
    const resolve = () => {
      lookups++;
      // A rebinding resolver would answer differently next time; we must never ask again.
      return Promise.resolve(
        lookups === 1
          ? [{ address: '127.0.0.1', family: 4 }]
          : [{ address: '127.0.0.2', family: 4 }],
      );
    };
    const node = createHttpNode({ allow: ['127.0.0.1'], resolve });
    const out = await run(node, { url: `http://pinned.test:${port()}/echo` });
    expect(echoed(out).headers.host).toBe(`pinned.test:${port()}`);
    expect(lookups).toBe(1);
    expect(other.seen).toHaveLength(0);
  });

  it('keeps the host name for TLS SNI while connecting to the checked address', async () => {
    // No certificate needed: the server records the SNI name and ends the handshake.
    const names: string[] = [];
    const tls = createTlsServer({
      SNICallback: (name, cb) => {
        names.push(name);
        cb(new Error('no certificate here'), undefined);
      },
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const tlsPort = (tls.address() as AddressInfo).port;
      const resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      const node = createHttpNode({ allow: ['127.0.0.1'], resolve });
      const e = await failure(run(node, { url: `https://secure.test:${tlsPort}/` }));
      expect(e.code).toBe('network_error');
      expect(names).toEqual(['secure.test']);
    } finally {
      tls.close();
    }
  });

  it('an explicit allow option replaces the environment', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    const e = await failure(run(createHttpNode({ allow: [] }), { url: `${a.origin}/json` }));
    expect(e.code).toBe('ssrf_blocked');
  });

  it('a malformed allow-list entry is a clear configuration error', async () => {
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1/40';
    const e = await failure(run(httpNode, { url: `${a.origin}/json` }));
    expect(e).toMatchObject({ code: 'invalid_config' });
    expect(a.seen).toHaveLength(0);
  });

  it('refuses schemes other than http and https', async () => {
    expect((await failure(run(httpNode, { url: 'file:///etc/passwd' }))).code).toBe('invalid_url');
    expect((await failure(run(httpNode, { url: 'gopher://127.0.0.1:70/' }))).code).toBe(
      'invalid_url',
    );
  });
});
