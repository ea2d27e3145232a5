/**
 * @module keys/env-keys
 * Keys from `WEFT_API_KEYS` (`tenant:key,tenant:key`), and {@link keyResolver}: those keys and the
 * stored ones behind the one interface the server asks.
 */
import { timingSafeEqual } from 'node:crypto';
import { WeftError } from '@weft/core';
import { hashKey, TENANT, type ApiKeys, type KeyResolver } from './keys.js';

/**
 * Parses `WEFT_API_KEYS`. Blanks around entries are ignored, and so are empty entries (a trailing
 * comma). Errors name the entry by its position and never quote a key. A key may hold `:` (only the
 * first one separates the tenant); keys cannot hold `,` or blanks.
 * @throws WeftError `invalid_config`
 */
export function parseApiKeys(spec: string | undefined): { tenant: string; key: string }[] {
  const out: { tenant: string; key: string }[] = [];
  const seen = new Set<string>();
  const fail = (i: number, why: string) =>
    new WeftError(
      'invalid_config',
      `WEFT_API_KEYS entry ${i + 1}: ${why}; the format is tenant:key,tenant:key`,
      {
        level: 'operational',
      },
    );
  for (const [i, raw] of (spec ?? '').split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon < 0) throw fail(i, 'no `:` between tenant and key');
    const tenant = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (tenant === '') throw fail(i, 'the tenant is empty');
    if (!TENANT.test(tenant)) {
      throw fail(
        i,
        'the tenant must be lower-case letters, digits, `_` and `-`, starting with a letter or digit, at most 64',
      );
    }
    if (key === '') throw fail(i, `the key of tenant ${tenant} is empty`);
    if (/\s/.test(key)) throw fail(i, `the key of tenant ${tenant} contains blanks`);
    if (seen.has(key)) throw fail(i, 'the key repeats the key of an earlier entry');
    seen.add(key);
    out.push({ tenant, key });
  }
  return out;
}

/** A resolver over fixed keys, held as SHA-256 digests and compared in constant time. */
export function staticKeys(entries: readonly { tenant: string; key: string }[]): KeyResolver {
  const digests = entries.map((e) => ({
    tenant: e.tenant,
    digest: Buffer.from(hashKey(e.key), 'hex'),
  }));
  return {
    resolve: async (key) => {
      const d = Buffer.from(hashKey(key), 'hex');
      let found: string | undefined;
      // Every entry is compared, match or not: the time taken does not depend on which one matches.
      for (const e of digests) if (timingSafeEqual(e.digest, d)) found ??= e.tenant;
      return found === undefined ? undefined : { tenant: found };
    },
  };
}

/**
 * The keys of a server: those of `WEFT_API_KEYS` first, then keys stored with `weft keys create`
 * (read at each request, so a key created or revoked while the server runs counts at once).
 *
 * @param env - where `WEFT_API_KEYS` is read. @default process.env
 * @throws WeftError `invalid_config` for a malformed `WEFT_API_KEYS`
 */
export function keyResolver(
  engine: { keys: Pick<ApiKeys, 'resolve' | 'any'> },
  env: Readonly<Record<string, string | undefined>> = process.env,
): KeyResolver & { readonly envKeys: number; configured(): Promise<boolean> } {
  const entries = parseApiKeys(env['WEFT_API_KEYS']);
  const fixed = staticKeys(entries);
  return {
    envKeys: entries.length,
    /** Whether any key exists (in WEFT_API_KEYS or stored): without one, the API runs open. */
    configured: async () => entries.length > 0 || (await engine.keys.any()),
    resolve: async (key) => (await fixed.resolve(key)) ?? (await engine.keys.resolve(key)),
  };
}
