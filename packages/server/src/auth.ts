/**
 * @module auth
 * API keys: `Authorization: Bearer <key>` names a tenant through a {@link KeyResolver}. Keys from
 * `WEFT_API_KEYS` come from {@link envKeys}; stored keys (`weft keys create`) plug in as another
 * resolver, combined with {@link anyKey}.
 *
 * @example
 * ```ts
 * const keys = envKeys(process.env.WEFT_API_KEYS ?? '');
 * const app = createApp({ engine, keys });
 * ```
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import type { ApiEnv } from './types.js';

/** Finds the tenant of an API key, or undefined for an unknown key. */
export interface KeyResolver {
  resolve(key: string): Promise<{ tenant: string } | undefined>;
}

/** The tenant of everything when no keys are configured. */
export const DEFAULT_TENANT = 'default';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Parses `tenant:key,tenant:key` (blanks around entries are ignored). @throws Error naming the bad entry */
export function parseApiKeys(spec: string): { tenant: string; key: string }[] {
  const out: { tenant: string; key: string }[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of spec.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const tenant = colon < 0 ? '' : entry.slice(0, colon);
    const key = colon < 0 ? '' : entry.slice(colon + 1);
    if (!TENANT.test(tenant) || key === '') {
      throw new Error(
        `WEFT_API_KEYS entry ${i + 1} is not tenant:key (tenant: lower-case letters, digits, _ and -; key: not empty)`,
      );
    }
    if (seen.has(key))
      throw new Error(`WEFT_API_KEYS entry ${i + 1} repeats a key of an earlier entry`);
    seen.add(key);
    out.push({ tenant, key });
  }
  return out;
}

/**
 * Keys from `WEFT_API_KEYS`. Keys are held as SHA-256 digests and looked up by digest, so the
 * lookup's timing says nothing about the keys. Returns undefined when the spec holds no key.
 */
export function envKeys(spec: string | undefined): KeyResolver | undefined {
  const entries = parseApiKeys(spec ?? '');
  if (entries.length === 0) return undefined;
  const byDigest = new Map(entries.map((e) => [digest(e.key), e.tenant]));
  return {
    resolve: async (key) => {
      const tenant = byDigest.get(digest(key));
      return tenant === undefined ? undefined : { tenant };
    },
  };
}

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
