/**
 * @module llm/guarded-fetch
 * A `fetch` for the OpenAI SDK that goes through the http node's SSRF guard: the base URL's host is
 * resolved and checked, and the request connects to the checked addresses only, so that a model
 * endpoint obeys the same allow-list (`WEFT_HTTP_ALLOW`, the run's `hostAllow`) as every request.
 *
 * A node talks to the same few endpoints call after call (an agent, hundreds of times): the pinned
 * dispatcher of a checked target (host and addresses) is kept and reused, so that its connections
 * stay open between calls, as the SDK's own would. A target that resolves differently gets another.
 */
import type { Agent } from 'undici';
import type { CheckedTarget, SsrfGuard } from '../http/ssrf.js';
import { undici } from '../http/undici.js';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Pinned dispatchers kept, least recently used first out. */
const MAX_KEPT = 32;
const kept = new Map<string, Agent>();

function dispatcherFor(guard: SsrfGuard, target: CheckedTarget): Agent {
  const key = `${target.url.protocol}//${target.hostname}:${target.url.port}|${target.addresses
    .map((a) => a.address)
    .join(',')}`;
  const found = kept.get(key);
  if (found !== undefined && !found.closed && !found.destroyed) {
    kept.delete(key);
    kept.set(key, found);
    return found;
  }
  const made = guard.dispatcher(target);
  kept.set(key, made);
  if (kept.size > MAX_KEPT) {
    const [oldest, agent] = kept.entries().next().value as [string, Agent];
    kept.delete(oldest);
    agent.close().catch(() => {});
  }
  return made;
}

/**
 * @param signal the node's signal, for the host's lookup when the SDK gives none.
 * @param hostAllow the run's kept allow-list (`NodeContext.hostAllow`).
 */
export function guardedFetch(
  guard: SsrfGuard,
  signal: AbortSignal,
  hostAllow: readonly string[] | undefined,
): Fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const target = await guard.check(url, init?.signal ?? signal, hostAllow);
    return undici().fetch(url, { ...(init as object), dispatcher: dispatcherFor(guard, target) });
  };
}
