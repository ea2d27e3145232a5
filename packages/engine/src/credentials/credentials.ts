/**
 * @module credentials/credentials
 * `engine.credentials`: write-only secrets per tenant, encrypted at rest, resolved by nodes at call
 * time. Values go in through {@link Credentials.put} and come out only through a resolver handed to
 * a running node (`ctx.credentials.get(name)`); lists show names, types and times.
 *
 * @example
 * ```ts
 * await engine.credentials.put('github', { type: 'bearer', value: process.env.GH_TOKEN });
 * await engine.credentials.list(); // [{ name: 'github', type: 'bearer', createdAt, updatedAt }]
 * // a workflow: { type: http, with: { url: https://api.github.com/user, credential: github } }
 * ```
 */
import {
  WeftError,
  type Clock,
  type Credential,
  type CredentialResolver,
  type CredentialSummary,
  type ResealedCredential,
  type Store,
} from '@weft/core';
import { open, seal } from './cipher.js';
import type { SecretKey } from './secret-key.js';
import { checkCredential, checkName } from './shapes.js';

/** Binds a ciphertext to its row: a value copied to another tenant or name does not decrypt. */
const aad = (tenant: string, name: string, type: string) =>
  `weft/credential/v1\u0000${tenant}\u0000${name}\u0000${type}`;

export class Credentials {
  readonly #store: Store;
  readonly #key: SecretKey;
  readonly #clock: Clock;
  readonly #tenant: string;

  /** @internal the engine creates it. */
  constructor(store: Store, key: SecretKey, clock: Clock, defaultTenant: string) {
    this.#store = store;
    this.#key = key;
    this.#clock = clock;
    this.#tenant = defaultTenant;
  }

  /**
   * Stores (or replaces) a credential. The value is checked against the SPEC shapes and encrypted
   * before it reaches the store; the answer never holds it.
   * @throws WeftError `invalid_request` for a bad name or shape (messages never quote values)
   */
  put(name: string, value: unknown): Promise<CredentialSummary & { created: boolean }>;
  put(
    tenant: string,
    name: string,
    value: unknown,
  ): Promise<CredentialSummary & { created: boolean }>;
  async put(
    ...args: [string, unknown] | [string, string, unknown]
  ): Promise<CredentialSummary & { created: boolean }> {
    const [tenant, name, value] = args.length === 3 ? args : [this.#tenant, args[0], args[1]];
    checkName(name);
    const credential = checkCredential(value);
    const key = await this.#key.key();
    const at = new Date(this.#clock.now()).toISOString();
    const ciphertext = seal(key, JSON.stringify(credential), aad(tenant, name, credential.type));
    const { created } = await this.#store.putCredential({
      tenant,
      name,
      type: credential.type,
      ciphertext,
      at,
    });
    const stored = await this.#store.getCredential(tenant, name);
    return {
      name,
      type: credential.type,
      createdAt: stored?.createdAt ?? at,
      updatedAt: stored?.updatedAt ?? at,
      created,
    };
  }

  /** Names, types and times, by name. Never values. */
  async list(tenant: string = this.#tenant): Promise<CredentialSummary[]> {
    return this.#store.listCredentials(tenant);
  }

  /** Returns false when there was none. */
  delete(name: string): Promise<boolean>;
  delete(tenant: string, name: string): Promise<boolean>;
  async delete(...args: [string] | [string, string]): Promise<boolean> {
    const [tenant, name] = args.length === 2 ? args : [this.#tenant, args[0]];
    return this.#store.deleteCredential(tenant, name);
  }

  /**
   * Every credential of `from`, re-encrypted for `to` (the tenant is bound into each ciphertext),
   * for `Store.moveTenant`. Nothing is written here.
   * @throws WeftError `credential_unreadable` when one does not decrypt under the current key
   */
  async resealed(from: string, to: string): Promise<ResealedCredential[]> {
    const key = await this.#key.key();
    const out: ResealedCredential[] = [];
    for (const { name, type } of await this.#store.listCredentials(from)) {
      const row = await this.#store.getCredential(from, name);
      if (row === undefined) continue; // deleted meanwhile: the move's check says so
      let text: string;
      try {
        text = open(key, row.ciphertext, aad(from, name, type));
      } catch {
        throw new WeftError(
          'credential_unreadable',
          `credential "${name}" of tenant ${from} cannot be decrypted with the current secret key (WEFT_SECRET_KEY or the key file): nothing moved`,
          { level: 'operational' },
        );
      }
      out.push({ name, type, ciphertext: seal(key, text, aad(to, name, type)) });
    }
    return out;
  }

  /**
   * What nodes of the tenant's runs get as `ctx.credentials`: reads and decrypts at each call, so a
   * credential changed while a run waits is used at its next call.
   */
  resolver(tenant: string): CredentialResolver {
    return { get: (name) => this.#resolve(tenant, name) };
  }

  async #resolve(tenant: string, name: string): Promise<Credential> {
    const row = await this.#store.getCredential(tenant, name);
    if (row === undefined) {
      throw new WeftError('credential_not_found', `no credential named "${name}"`);
    }
    const key = await this.#key.key();
    let text: string;
    try {
      text = open(key, row.ciphertext, aad(tenant, name, row.type));
    } catch {
      throw new WeftError(
        'credential_unreadable',
        `credential "${name}" cannot be decrypted with the current secret key (WEFT_SECRET_KEY or the key file); store it again`,
        { level: 'operational' },
      );
    }
    return JSON.parse(text) as Credential;
  }
}
