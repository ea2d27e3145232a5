/**
 * @module auth
 * API keys: `Authorization: Bearer <key>` names a tenant through a {@link KeyResolver}. The
 * engine's `keyResolver` is one: it parses `WEFT_API_KEYS` (the only parser of it) and asks the
 * stored keys; resolvers can be combined with {@link anyKey}.
 *
 * @example
 * ```ts
 * const app = createApp({ engine, keys: keyResolver(engine, process.env) });
 * ```
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import type { ApiEnv } from './types.js';

/** Finds the tenant of an API key, or undefined for an unknown key. */
export interface KeyResolver {
  resolve(key: string): Promise<{ tenant: string } | undefined>;
}

/** The tenant of everything when no keys are configured. */
export const DEFAULT_TENANT = 'default';

/** The first resolver that knows the key wins. */
export function anyKey(...resolvers: readonly KeyResolver[]): KeyResolver {
  return {
    resolve: async (key) => {
      for (const r of resolvers) {
        const found = await r.resolve(key);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}

/**
 * Sets `tenant` for the request, or answers 401. Without a resolver the API is open and every
 * request belongs to {@link DEFAULT_TENANT}. Paths for which `isPublic` holds are let through
 * without a tenant (health, the OpenAPI document, webhooks that check their own signatures).
 */
export function authenticate(
  keys: KeyResolver | undefined,
  isPublic: (path: string) => boolean,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    if (keys === undefined) {
      c.set('tenant', DEFAULT_TENANT);
      return next();
    }
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match?.[1] === undefined) {
      throw new ApiError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>');
    }
    const found = await keys.resolve(match[1]);
    if (found === undefined) throw new ApiError(401, 'unauthorized', 'invalid API key');
    c.set('tenant', found.tenant);
    return next();
  };
}
