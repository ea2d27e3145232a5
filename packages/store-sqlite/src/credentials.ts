/**
 * @module credentials
 * Credentials and API keys: rows the engine encrypts or hashes before they get here. The store
 * never sees a secret in clear.
 */
import type { Database, Statement } from 'better-sqlite3';
import type {
  ApiKeyRecord,
  CredentialRecord,
  CredentialSummary,
  CredentialWrite,
} from '@weft/core';
import { conflictOrSelf } from './write.js';

interface CredentialRow {
  tenant: string;
  name: string;
  type: string;
  ciphertext: string;
  created_at: string;
  updated_at: string;
}

interface ApiKeyRow {
  id: string;
  tenant: string;
  hash: string;
  prefix: string;
  created_at: string;
}

const credentialFromRow = (r: CredentialRow): CredentialRecord => ({
  tenant: r.tenant,
  name: r.name,
  type: r.type,
  ciphertext: r.ciphertext,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const keyFromRow = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  tenant: r.tenant,
  hash: r.hash,
  prefix: r.prefix,
  createdAt: r.created_at,
});

/** The credentials table. */
export class CredentialTable {
  readonly #exists: Statement<[string, string], number>;
  readonly #upsert: Statement<unknown[]>;
  readonly #get: Statement<[string, string], CredentialRow>;
  readonly #list: Statement<[string], Omit<CredentialRow, 'tenant' | 'ciphertext'>>;
  readonly #delete: Statement<[string, string]>;
  readonly #put: (c: CredentialWrite) => { created: boolean };

  constructor(db: Database) {
    this.#exists = db
      .prepare<[string, string], number>('SELECT 1 FROM credentials WHERE tenant = ? AND name = ?')
      .pluck();
    this.#upsert = db.prepare(
      `INSERT INTO credentials (tenant, name, type, ciphertext, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, name) DO UPDATE SET type = excluded.type,
         ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
    );
    this.#get = db.prepare(
      'SELECT tenant, name, type, ciphertext, created_at, updated_at FROM credentials WHERE tenant = ? AND name = ?',
    );
    this.#list = db.prepare(
      'SELECT name, type, created_at, updated_at FROM credentials WHERE tenant = ? ORDER BY name',
    );
    this.#delete = db.prepare('DELETE FROM credentials WHERE tenant = ? AND name = ?');
    const put = db.transaction((c: CredentialWrite) => {
      const created = this.#exists.get(c.tenant, c.name) === undefined;
      this.#upsert.run(c.tenant, c.name, c.type, c.ciphertext, c.at, c.at);
      return { created };
    });
    this.#put = (c) => put.immediate(c);
  }

  put(c: CredentialWrite): {
    created: boolean;
  } {
    return this.#put(c);
  }

  get(tenant: string, name: string): CredentialRecord | undefined {
    const row = this.#get.get(tenant, name);
    return row === undefined ? undefined : credentialFromRow(row);
  }

  list(tenant: string): CredentialSummary[] {
    return this.#list.all(tenant).map((r) => ({
      name: r.name,
      type: r.type,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  delete(tenant: string, name: string): boolean {
    return this.#delete.run(tenant, name).changes > 0;
  }
}

/** The api_keys table. */
export class ApiKeyTable {
  readonly #insert: Statement<unknown[]>;
  readonly #byHash: Statement<[string], ApiKeyRow>;
  readonly #list: Statement<[string], ApiKeyRow>;
  readonly #delete: Statement<[string, string]>;
  readonly #any: Statement<[], number>;

  constructor(db: Database) {
    this.#any = db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM api_keys)').pluck();
    const columns = 'id, tenant, hash, prefix, created_at';
    this.#insert = db.prepare(`INSERT INTO api_keys (${columns}) VALUES (?, ?, ?, ?, ?)`);
    this.#byHash = db.prepare(`SELECT ${columns} FROM api_keys WHERE hash = ?`);
    this.#list = db.prepare(
      `SELECT ${columns} FROM api_keys WHERE tenant = ? ORDER BY created_at, id`,
    );
    this.#delete = db.prepare('DELETE FROM api_keys WHERE tenant = ? AND id = ?');
  }

  create(k: ApiKeyRecord): void {
    try {
      this.#insert.run(k.id, k.tenant, k.hash, k.prefix, k.createdAt);
    } catch (error) {
      throw conflictOrSelf(error);
    }
  }

  findByHash(hash: string): ApiKeyRecord | undefined {
    const row = this.#byHash.get(hash);
    return row === undefined ? undefined : keyFromRow(row);
  }

  list(tenant: string): ApiKeyRecord[] {
    return this.#list.all(tenant).map(keyFromRow);
  }

  delete(tenant: string, id: string): boolean {
    return this.#delete.run(tenant, id).changes > 0;
  }

  any(): boolean {
    return this.#any.get() === 1;
  }
}
