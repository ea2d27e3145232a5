/**
 * @module llm/guarded-fetch
 * A `fetch` for the OpenAI SDK that goes through the http node's SSRF guard: the base URL's host is
 * resolved and checked, and the request connects to the checked addresses only, so that a model
 * endpoint obeys the same allow-list (`WEFT_HTTP_ALLOW`, the run's `hostAllow`) as every request.
 */
import type { SsrfGuard } from '../http/ssrf.js';
import { undici } from '../http/undici.js';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

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
    const dispatcher = guard.dispatcher(target);
    try {
      const response = await undici().fetch(url, { ...(init as object), dispatcher });
      // Graceful: the agent closes once the body (a stream, perhaps) has been read or aborted.
      dispatcher.close().catch(() => {});
      return response;
    } catch (error) {
      dispatcher.destroy().catch(() => {});
      throw error;
    }
  };
}
