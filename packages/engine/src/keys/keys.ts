/**
 * @module keys/keys
 * API keys: `wft_` and 32 random bytes in base64url, shown once at creation; the store keeps only
 * their SHA-256. A request's key is hashed and looked up by that digest, so neither the lookup's
 * timing nor a copy of the database gives a usable key away.
 *
 * @example
 * ```ts
 * const { key } = await engine.keys.create('acme'); // print it once
 * await engine.keys.resolve(key); // { tenant: 'acme' }
 * const keys = keyResolver(engine, process.env); // WEFT_API_KEYS and stored keys
 * ```
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { WeftError, type ApiKeyRecord, type Clock, type Store } from '@weft/core';
import { uuidv7 } from '../ids.js';

/** Tenant names: the same rule as workflow ids. */
export const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const KEY_PREFIX = 'wft_';
/** Characters of a key kept for display: `wft_` and 8 more (48 bits: enough to tell keys apart). */
const SHOWN = KEY_PREFIX.length + 8;

/** Finds the tenant of an API key; undefined for an unknown key. The server's interface. */
export interface KeyResolver {
  resolve(key: string): Promise<{ tenant: string } | undefined>;
}

/** A key just created: the only time `key` is available. */
export interface CreatedKey {
  id: string;
  tenant: string;
  key: string;
  prefix: string;
  createdAt: string;
}

/** A key as listed: never the key. */
export type KeySummary = Omit<ApiKeyRecord, 'hash'>;

export const hashKey = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** @throws WeftError `invalid_request` when the tenant name is not valid. */
export function checkTenant(tenant: string, what = 'tenant'): string {
  if (!TENANT.test(tenant)) {
    throw new WeftError(
      'invalid_request',
      `${what} must be 1 to 64 lower-case letters, digits, \`_\` and \`-\`, starting with a letter or digit`,
    );
  }
  return tenant;
}

/** `engine.keys`: stored API keys. */
export class ApiKeys implements KeyResolver {
  readonly #store: Store;
  readonly #clock: Clock;

  /** @internal the engine creates it. */
  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Creates a key for a tenant. The answer is the only place the key ever appears. */
  async create(tenant: string): Promise<CreatedKey> {
    checkTenant(tenant);
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: uuidv7(this.#clock.now()),
      tenant,
      hash: hashKey(key),
      prefix: key.slice(0, SHOWN),
      createdAt: new Date(this.#clock.now()).toISOString(),
    };
    await this.#store.createApiKey(record);
    return { id: record.id, tenant, key, prefix: record.prefix, createdAt: record.createdAt };
  }

  /** The key's tenant, or undefined for an unknown or revoked key. */
  async resolve(key: string): Promise<{ tenant: string } | undefined> {
    if (typeof key !== 'string' || key === '' || key.length > 512) return undefined;
    const hash = hashKey(key);
    const found = await this.#store.findApiKeyByHash(hash);
    // The store matched on the digest already; comparing again in constant time costs nothing and
    // keeps this safe with a store whose lookup were ever looser (a prefix index, say).
    if (found === undefined || !sameHex(found.hash, hash)) return undefined;
    return { tenant: found.tenant };
  }

  /** A tenant's keys, oldest first, without hashes. */
  async list(tenant: string): Promise<KeySummary[]> {
    return (await this.#store.listApiKeys(tenant)).map(({ hash: _hash, ...rest }) => rest);
  }

  /** Whether any tenant has a stored key. */
  async any(): Promise<boolean> {
    return this.#store.hasApiKeys();
  }

  /** Revokes a key: it resolves to nothing from then on. False when the tenant has no such key. */
  async revoke(tenant: string, id: string): Promise<boolean> {
    return this.#store.deleteApiKey(tenant, id);
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
