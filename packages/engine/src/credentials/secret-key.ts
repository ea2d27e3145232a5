/**
 * @module credentials/secret-key
 * Where the credentials' key comes from, and the start-up check that it is the right one.
 *
 * In order: the `WEFT_SECRET_KEY` secret (at least 32 characters); else the key file beside the
 * database (`<db>.key`), generated on first need with mode 0600 and a warning; else, for a database
 * in memory, a random key for this process only. The key file holds a random 256-bit secret in
 * base64url (43 characters), derived like `WEFT_SECRET_KEY`: its content can be moved into
 * `WEFT_SECRET_KEY` as it is.
 *
 * The check: the first time a key is used, a known value encrypted under it is stored in the
 * store's `meta` table. At start-up, when that value exists, the key must decrypt it, or the engine
 * refuses to start with an error naming the key's source and the database: credentials written
 * under one key are never silently unreadable under another.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { WeftError, type Logger, type Store } from '@weft/core';
import { deriveKey, MIN_SECRET_LENGTH, open, seal } from './cipher.js';

/** The meta key of the check value. */
export const CHECK_META_KEY = 'credentials.key_check';
const CHECK_PLAINTEXT = 'weft credentials key check v1';
const CHECK_AAD = 'weft/key-check/v1';

export interface SecretKeyOptions {
  /** `WEFT_SECRET_KEY`'s value, if set. */
  secret?: string | undefined;
  /** The key file to read or create; undefined when there is none (database in memory). */
  keyFile?: string | undefined;
  /** How to name the database in errors. */
  label: string;
  log: Logger;
}

type Source = { kind: 'env' } | { kind: 'file'; file: string } | { kind: 'ephemeral' };

/** Holds the key of one store's credentials; obtained on first need, checked once. */
export class SecretKey {
  readonly #store: Store;
  readonly #o: SecretKeyOptions;
  #key: Promise<Buffer> | undefined;
  #source: Source | undefined;

  constructor(store: Store, options: SecretKeyOptions) {
    this.#store = store;
    this.#o = options;
    if (options.secret !== undefined && options.secret.length < MIN_SECRET_LENGTH) {
      throw new WeftError(
        'secret_key_invalid',
        `WEFT_SECRET_KEY is too short: it needs at least ${MIN_SECRET_LENGTH} characters (it has ${options.secret.length}); generate one with: openssl rand -base64 32`,
        { level: 'operational' },
      );
    }
  }

  /**
   * The start-up check: when credentials were ever written to this store, the key must be the one
   * they were written with. Nothing is created when none were.
   * @throws WeftError `secret_key_mismatch`, `secret_key_missing`
   */
  async check(): Promise<void> {
    if ((await this.#store.getMeta(CHECK_META_KEY)) === undefined) return;
    await this.key();
  }

  /** The key, obtained (and the key file created) on first call, and checked against the store. */
  key(): Promise<Buffer> {
    if (this.#key === undefined) {
      const pending = this.#obtain();
      this.#key = pending;
      // A failure is not kept: the operator may fix the file or the variable and try again.
      pending.catch(() => {
        if (this.#key === pending) this.#key = undefined;
      });
    }
    return this.#key;
  }

  /** Where the key came from, once obtained: for `weft doctor` and tests. */
  get source(): 'env' | 'file' | 'ephemeral' | undefined {
    return this.#source?.kind;
  }

  async #obtain(): Promise<Buffer> {
    const stored = await this.#store.getMeta(CHECK_META_KEY);
    const { secret, source } = this.#secret(stored !== undefined);
    const key = source.kind === 'ephemeral' ? randomBytes(32) : await deriveKey(secret);
    if (stored !== undefined) {
      this.#verify(key, stored, source);
    } else if (source.kind !== 'ephemeral') {
      // A key that lives only in this process is not recorded: a later start with a real key must
      // not be refused because of it.
      const check = seal(key, CHECK_PLAINTEXT, CHECK_AAD);
      if (!(await this.#store.setMeta(CHECK_META_KEY, check, { ifAbsent: true }))) {
        // Another process recorded its check first: ours must agree with it.
        this.#verify(key, (await this.#store.getMeta(CHECK_META_KEY)) ?? check, source);
      }
    }
    this.#source = source;
    return key;
  }

  #secret(required: boolean): { secret: string; source: Source } {
    const { secret, keyFile, label, log } = this.#o;
    if (secret !== undefined) return { secret, source: { kind: 'env' } };
    if (keyFile === undefined) {
      if (required) {
        throw new WeftError(
          'secret_key_missing',
          `the credentials in ${label} were encrypted with a key that is not available: set WEFT_SECRET_KEY to the key they were written with`,
          { level: 'operational' },
        );
      }
      return { secret: '', source: { kind: 'ephemeral' } };
    }
    const existing = readKeyFile(keyFile);
    if (existing !== undefined) {
      if ((statSync(keyFile).mode & 0o077) !== 0) {
        log.warn({ keyFile }, `the key file ${keyFile} is readable by other users: chmod 600 it`);
      }
      return { secret: existing, source: { kind: 'file', file: keyFile } };
    }
    if (required) {
      throw new WeftError(
        'secret_key_missing',
        `the credentials in ${label} were encrypted with a key that is not available: WEFT_SECRET_KEY is not set and the key file ${keyFile} is missing; set WEFT_SECRET_KEY to the key they were written with, or restore the key file`,
        { level: 'operational' },
      );
    }
    const created = randomBytes(32).toString('base64url');
    try {
      // `wx`: never overwrite a key file that appeared meanwhile (another process got there first).
      writeFileSync(keyFile, `${created}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { secret: readKeyFile(keyFile) ?? created, source: { kind: 'file', file: keyFile } };
    }
    log.warn(
      { keyFile },
      `WEFT_SECRET_KEY is not set: generated a key for credentials in ${keyFile}; keep it with the database and back it up (without it stored credentials cannot be read), or set WEFT_SECRET_KEY`,
    );
    return { secret: created, source: { kind: 'file', file: keyFile } };
  }

  #verify(key: Buffer, stored: string, source: Source): void {
    try {
      if (open(key, stored, CHECK_AAD) === CHECK_PLAINTEXT) return;
    } catch {
      // Reported below.
    }
    const { label, keyFile } = this.#o;
    const advice =
      source.kind === 'env'
        ? `WEFT_SECRET_KEY cannot decrypt them; set WEFT_SECRET_KEY to the key they were written with${keyFile === undefined ? '' : `, or unset it if they were written with the key file ${keyFile}`}`
        : source.kind === 'file'
          ? `the key file ${source.file} cannot decrypt them; set WEFT_SECRET_KEY to the key they were written with, or restore the key file that belongs to this database`
          : 'no key is available; set WEFT_SECRET_KEY to the key they were written with';
    throw new WeftError(
      'secret_key_mismatch',
      `the credentials in ${label} were encrypted with another key: ${advice}`,
      { level: 'operational' },
    );
  }
}

function readKeyFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (text.length < MIN_SECRET_LENGTH) {
    throw new WeftError(
      'secret_key_invalid',
      `the key file ${file} holds fewer than ${MIN_SECRET_LENGTH} characters: it is damaged; restore it from a backup`,
      { level: 'operational' },
    );
  }
  return text;
}
