/**
 * @module knowledge/embeddings
 * Embeddings from an OpenAI-compatible endpoint: `POST {base_url}/embeddings` with
 * `{ model, input: [...] }`, through the http node's SSRF guard (so `WEFT_HTTP_ALLOW` and the run's
 * kept allow-list apply). Each batch is one durable sub-step (`ctx.step('embed')`), so that a
 * node run again does not pay for the same embeddings twice once sub-steps are recorded.
 */
import { WeftError, type NodeContext } from '@weft/core/plugin';
import { z } from 'zod';
import { requestError } from '../http/errors.js';
import { readBody } from '../http/response.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { createSsrfGuard } from '../http/ssrf.js';
import { undici } from '../http/undici.js';

/** Where embeddings come from: an `openai` credential's fields and a model. */
export interface EmbeddingSource {
  baseUrl: string;
  apiKey: string;
  model: string;
}

/** Inputs per request: well under the limits of the usual providers. */
const BATCH = 64;
/** The largest answer read: 64 inputs of 3072 numbers as JSON text fit well within it. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

const guard = createSsrfGuard();

const answer = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/** The embeddings of `inputs`, in order. @throws WeftError naming the node and the endpoint. */
export async function embed(
  ctx: NodeContext,
  source: EmbeddingSource,
  inputs: readonly string[],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < inputs.length; i += BATCH) {
    const batch = inputs.slice(i, i + BATCH);
    const vectors = await ctx.step('embed', () => requestBatch(ctx, source, batch));
    for (const v of vectors) out.push(Float32Array.from(v));
  }
  return out;
}

async function requestBatch(
  ctx: NodeContext,
  source: EmbeddingSource,
  input: readonly string[],
): Promise<number[][]> {
  const url = new URL(`${source.baseUrl.replace(/\/+$/, '')}/embeddings`);
  const what = `node ${ctx.path}: embeddings from POST ${url.href}`;
  try {
    const target = await guard.check(url, ctx.signal, ctx.hostAllow);
    const dispatcher = guard.dispatcher(target);
    try {
      const res = await undici().request(url, {
        dispatcher,
        method: 'POST',
        headers: {
          authorization: `Bearer ${source.apiKey}`,
          'content-type': 'application/json',
          'user-agent': 'weft',
        },
        body: JSON.stringify({ model: source.model, input }),
        signal: ctx.signal,
      });
      const raw = await readBody(res.body, MAX_ANSWER_BYTES);
      if (res.statusCode !== 200) throw statusError(what, res.statusCode, res.headers, raw);
      return vectorsOf(what, raw, input.length);
    } finally {
      dispatcher.destroy().catch(() => {});
    }
  } catch (error) {
    throw named(what, requestError(error, what, ctx.signal));
  }
}

/** 408, 429 and 5xx may pass with another try; other statuses will not. */
function statusError(
  what: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
): WeftError {
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(headers['retry-after']) : undefined;
  return new WeftError('http_status', `${what} answered ${status}`, {
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    level: status >= 500 ? 'operational' : 'user',
    details: { status, body_excerpt: raw.toString('utf8').slice(0, 1024) },
  });
}

function vectorsOf(what: string, raw: Buffer, count: number): number[][] {
  let parsed: z.infer<typeof answer>;
  try {
    parsed = answer.parse(JSON.parse(raw.toString('utf8')));
  } catch {
    throw new WeftError('response_parse', `${what}: the answer is not a list of embeddings`);
  }
  const vectors: number[][] = [];
  for (const d of parsed.data) vectors[d.index] = d.embedding;
  if (vectors.length !== count || vectors.some((v) => v === undefined))
    throw new WeftError(
      'response_parse',
      `${what}: the answer holds ${parsed.data.length} embeddings for ${count} inputs`,
    );
  return vectors;
}

/** The error with the node and endpoint in its message, once. */
function named(what: string, e: WeftError): WeftError {
  if (e.message.startsWith(what)) return e;
  return new WeftError(e.code, `${what}: ${e.message}`, {
    retryable: e.retryable,
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
    level: e.level,
    details: e.details,
    cause: e,
  });
}
