/**
 * @module http/http-node
 * The `http` node type: one request, redirects followed by hand through the SSRF guard, the answer
 * as `{ status, headers, body }`. See docs/nodes/http.md for the user-facing contract.
 *
 * @example
 * ```ts
 * registry.register(httpNode); // reads WEFT_HTTP_ALLOW at every request
 * registry.register(createHttpNode({ allow: ['10.0.0.0/8'] })); // or a fixed allow-list
 * ```
 */
import { undici } from './undici.js';
import { defineNode, WeftError, type NodeContext } from '@weft/core/plugin';
import { requestError } from './errors.js';
import { describeExpected, httpParams, statusMatches, type HttpParams } from './params.js';
import { createRedactor, type Redactor } from './redact.js';
import { isRedirect, MAX_REDIRECTS, nextHop } from './redirect.js';
import { buildRequest, type Hop } from './request.js';
import {
  decodeBody,
  DEFAULT_MAX_RESPONSE_BYTES,
  excerpt,
  plainHeaders,
  readBody,
} from './response.js';
import { parseRetryAfter } from './retry-after.js';
import { createSsrfGuard, type SsrfGuard, type SsrfGuardOptions } from './ssrf.js';

/** The http node's output. */
export interface HttpOutput {
  status: number;
  /** Lower-case names; repeated headers joined with `, `; `set-cookie` is always an array. */
  headers: Record<string, string | string[]>;
  /** Parsed JSON, or text. */
  body: unknown;
}

export interface HttpNodeOptions extends SsrfGuardOptions {
  /** @default 4 MiB, the engine's limit on a node's output. */
  maxResponseBytes?: number;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  /** Unread (undefined) for a redirect that is being followed. */
  raw: Buffer | undefined;
}

interface Call {
  ctx: NodeContext;
  p: HttpParams;
  guard: SsrfGuard;
  maxBytes: number;
  redact: Redactor;
}

/** Creates an `http` node type with its own SSRF guard settings. */
export function createHttpNode(options: HttpNodeOptions = {}) {
  const guard = createSsrfGuard(options);
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return defineNode({
    type: 'http',
    description: 'Sends an HTTP request (SSRF-guarded) and outputs { status, headers, body }.',
    params: httpParams,
    run: async (ctx, p) => {
      const credential =
        p.credential === undefined ? undefined : await ctx.credentials.get(p.credential);
      const built = buildRequest(p, ctx.idempotencyKey, credential);
      const call: Call = { ctx, p, guard, maxBytes, redact: createRedactor(built.secrets) };
      try {
        return await follow(call, built.hop, built.sensitiveHeaders);
      } catch (error) {
        throw scrub(
          WeftError.is(error) ? error : requestError(error, `${p.method} request`, ctx.signal),
          call.redact,
        );
      }
    },
  });
}

/** The `http` node type, allow-listing from `WEFT_HTTP_ALLOW` (read at every request). */
export const httpNode = createHttpNode();

async function follow(call: Call, first: Hop, sensitive: ReadonlySet<string>): Promise<HttpOutput> {
  let hop = first;
  for (let redirects = 0; ; redirects++) {
    const answer = await send(call, hop, redirects);
    const location = firstValue(answer.headers['location']);
    if (answer.raw === undefined && location !== undefined) {
      if (redirects >= MAX_REDIRECTS) {
        throw new WeftError(
          'too_many_redirects',
          `more than ${MAX_REDIRECTS} redirects, last from ${hop.url.href}`,
          {
            details: { max: MAX_REDIRECTS, url: hop.url.href },
          },
        );
      }
      hop = nextHop(hop, answer.status, location, sensitive);
      continue;
    }
    return finish(call, hop, answer);
  }
}

/** One hop: check the target, connect to the checked address only, read the answer. */
async function send(
  { ctx, p, guard, maxBytes, redact }: Call,
  hop: Hop,
  redirects: number,
): Promise<Answer> {
  const what = `${hop.method} ${hop.url.href}`;
  const target = await guard.check(hop.url, ctx.signal, ctx.hostAllow);
  const dispatcher = guard.dispatcher(target);
  try {
    const res = await undici().request(hop.url, {
      dispatcher,
      method: hop.method,
      headers: hop.headers,
      body: hop.body ?? null,
      signal: ctx.signal,
    });
    const headers = plainHeaders(res.headers);
    ctx.log.debug(
      {
        method: hop.method,
        url: redact.text(hop.url.href),
        status: res.statusCode,
        redirects,
        attempt: ctx.attempt,
      },
      'http response',
    );
    if (p.follow_redirects && isRedirect(res.statusCode) && headers['location'] !== undefined) {
      await res.body.dump();
      return { status: res.statusCode, headers, raw: undefined };
    }
    return { status: res.statusCode, headers, raw: await readBody(res.body, maxBytes) };
  } catch (error) {
    throw requestError(error, what, ctx.signal);
  } finally {
    dispatcher.destroy().catch(() => {});
  }
}

function finish({ p, redact }: Call, hop: Hop, answer: Answer): HttpOutput {
  const raw = answer.raw ?? Buffer.alloc(0);
  if (!statusMatches(answer.status, p.expect_status))
    throw statusError(hop, answer, raw, p.expect_status, redact);
  const body = decodeBody(raw, p.response, firstValue(answer.headers['content-type']), redact);
  return {
    status: answer.status,
    headers: redact.value(answer.headers) as HttpOutput['headers'],
    body: redact.value(body),
  };
}

/** `http_status`: retryable for 408, 429 and 5xx, with the server's `Retry-After` as a hint. */
function statusError(
  hop: Hop,
  answer: Answer,
  raw: Buffer,
  expected: HttpParams['expect_status'],
  redact: Redactor,
): WeftError {
  const { status } = answer;
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(answer.headers['retry-after']) : undefined;
  return new WeftError(
    'http_status',
    `${hop.method} ${hop.url.href} answered ${status}; expected ${describeExpected(expected)}`,
    {
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      level: status >= 500 ? 'operational' : 'user',
      details: {
        status,
        method: hop.method,
        url: hop.url.href,
        // Redacted before the cut: cut first, a secret split by it would no longer match.
        body_excerpt: excerpt(redact.text(raw.toString('utf8'))),
      },
    },
  );
}

/** The error with credential values masked in its message and details. */
function scrub(error: WeftError, redact: Redactor): WeftError {
  if (!redact.active) return error;
  return new WeftError(error.code, redact.text(error.message), {
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    details: redact.value(error.details),
    level: error.level,
    cause: error.cause,
  });
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
