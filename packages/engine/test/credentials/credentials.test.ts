/**
 * Credentials (SPEC section 8, issue 4): write-only values encrypted at rest under a key from
 * WEFT_SECRET_KEY or a key file beside the database, checked at start-up; resolved by nodes at call
 * time. On real SQLite files.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine, WeftError } from '../../src/index.js';
import { tempDb } from '../helpers.js';
import { captureLog, SECRET_A, SECRET_B } from './support.js';

const opened: Engine[] = [];
const open = async (options: Parameters<typeof Engine.open>[0]) => {
  const engine = await Engine.open(options);
  opened.push(engine);
  return engine;
};
let savedEnv: string | undefined;
beforeEach(() => {
  savedEnv = process.env['WEFT_SECRET_KEY'];
  delete process.env['WEFT_SECRET_KEY'];
});
afterEach(async () => {
  if (savedEnv !== undefined) process.env['WEFT_SECRET_KEY'] = savedEnv;
  await Promise.all(opened.splice(0).map((e) => e.close()));
});

const failure = async (p: Promise<unknown>): Promise<WeftError> => {
  try {
    await p;
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
};

describe('credentials: put, list, resolve, delete', () => {
  it('round-trips every credential type through the node resolver', async () => {
    const engine = await open({ db: tempDb(), secretKey: SECRET_A });
    const values = {
      gh: { type: 'bearer', value: 'tok-123456' },
      login: { type: 'basic', username: 'ada', password: 'pw-123456' },
      custom: { type: 'header', name: 'X-Api-Key', value: 'key-123456' },
      llm: { type: 'openai', base_url: 'https://llm.example/v1', api_key: 'sk-123456' },
    };
    for (const [name, value] of Object.entries(values)) {
      const put = await engine.credentials.put(name, value);
      expect(put).toMatchObject({ name, type: value.type, created: true });
      expect(JSON.stringify(put)).not.toContain('123456');
    }
    const resolver = engine.credentials.resolver('default');
    for (const [name, value] of Object.entries(values)) {
      expect(await resolver.get(name)).toEqual(value);
    }
  });

  it('lists names, types and times only, never values', async () => {
    const engine = await open({ db: tempDb(), secretKey: SECRET_A });
    await engine.credentials.put('zeta', { type: 'bearer', value: 'listed-secret-1' });
    await engine.credentials.put('alpha', {
      type: 'basic',
      username: 'u',
      password: 'listed-secret-2',
    });
    const list = await engine.credentials.list();
    expect(list.map((c) => [c.name, c.type])).toEqual([
      ['alpha', 'basic'],
      ['zeta', 'bearer'],
    ]);
    for (const c of list)
      expect(Object.keys(c).sort()).toEqual(['createdAt', 'name', 'type', 'updatedAt']);
    expect(JSON.stringify(list)).not.toMatch(/listed-secret/);
  });

  it('replaces a value in place, keeping its creation time; deletes', async () => {
    const engine = await open({ db: tempDb(), secretKey: SECRET_A });
    const first = await engine.credentials.put('api', { type: 'bearer', value: 'old-value-1' });
    await new Promise((r) => setTimeout(r, 5));
    const second = await engine.credentials.put('api', {
      type: 'header',
      name: 'X-Key',
      value: 'new-value-2',
    });
    expect(second).toMatchObject({ created: false, type: 'header', createdAt: first.createdAt });
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(await engine.credentials.resolver('default').get('api')).toEqual({
      type: 'header',
      name: 'X-Key',
      value: 'new-value-2',
    });
    expect(await engine.credentials.delete('api')).toBe(true);
    expect(await engine.credentials.delete('api')).toBe(false);
    expect((await failure(engine.credentials.resolver('default').get('api'))).code).toBe(
      'credential_not_found',
    );
  });

  it('keeps tenants apart', async () => {
    const engine = await open({ db: tempDb(), secretKey: SECRET_A });
    await engine.credentials.put('acme', 'api', { type: 'bearer', value: 'acme-secret-1' });
    await engine.credentials.put('globex', 'api', { type: 'bearer', value: 'globex-secret' });
    expect(await engine.credentials.resolver('acme').get('api')).toEqual({
      type: 'bearer',
      value: 'acme-secret-1',
    });
    expect((await engine.credentials.list('acme')).map((c) => c.name)).toEqual(['api']);
    expect(await engine.credentials.list('default')).toEqual([]);
    expect((await failure(engine.credentials.resolver('initech').get('api'))).code).toBe(
      'credential_not_found',
    );
    expect(await engine.credentials.delete('acme', 'api')).toBe(true);
    expect(await engine.credentials.resolver('globex').get('api')).toEqual({
      type: 'bearer',
      value: 'globex-secret',
    });
  });

  it.each([
    [{ type: 'bearer' }, /value: value is required/],
    [{ type: 'bearer', value: '' }, /value: value is required/],
    [
      { type: 'bearer', value: 'SHAPE-SECRET', extra: 'SHAPE-SECRET' },
      /extra: unknown field for a bearer credential/,
    ],
    [{ type: 'basic', username: 'u' }, /password: password is required/],
    [
      { type: 'header', name: 'bad header', value: 'SHAPE-SECRET' },
      /name: name must be an HTTP header name/,
    ],
    [
      { type: 'header', name: 'X-A', value: 'SHAPE-SECRET\r\nX-Evil: 1' },
      /value: value must not contain line breaks/,
    ],
    [
      { type: 'openai', base_url: 'ftp://x', api_key: 'SHAPE-SECRET' },
      /base_url: base_url must be an http or https URL/,
    ],
    [{ type: 'oauth', value: 'SHAPE-SECRET' }, /type must be one of bearer, basic, header, openai/],
    ['SHAPE-SECRET', /a credential is an object/],
  ])(
    'refuses %j with a message that names the field and never the value',
    async (value, message) => {
      const engine = await open({ db: ':memory:' });
      const e = await failure(engine.credentials.put('api', value));
      expect(e.code).toBe('invalid_request');
      expect(e.message).toMatch(message);
      expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('SHAPE-SECRET');
      expect(await engine.credentials.list()).toEqual([]);
    },
  );

  it('refuses bad names', async () => {
    const engine = await open({ db: ':memory:' });
    for (const name of ['', '-x', 'a b', 'x'.repeat(129), 'a/b']) {
      expect(
        (await failure(engine.credentials.put(name, { type: 'bearer', value: 'v' }))).code,
      ).toBe('invalid_request');
    }
  });

  it('a ciphertext moved to another name or tenant does not decrypt', async () => {
    const db = tempDb();
    const engine = await open({ db, secretKey: SECRET_A });
    await engine.credentials.put('acme', 'api', { type: 'bearer', value: 'moved-secret' });
    const row = await engine.store.getCredential('acme', 'api');
    await engine.store.putCredential({
      tenant: 'evil',
      name: 'api',
      type: 'bearer',
      ciphertext: row!.ciphertext,
      at: row!.createdAt,
    });
    await engine.store.putCredential({
      tenant: 'acme',
      name: 'other',
      type: 'bearer',
      ciphertext: row!.ciphertext,
      at: row!.createdAt,
    });
    for (const [tenant, name] of [
      ['evil', 'api'],
      ['acme', 'other'],
    ] as const) {
      const e = await failure(engine.credentials.resolver(tenant).get(name));
      expect(e.code).toBe('credential_unreadable');
      expect(e.message).not.toContain('moved-secret');
    }
  });
});

describe('credentials: the secret key', () => {
  it('stores only ciphertext: AES-256-GCM envelopes with a fresh IV per value', async () => {
    const engine = await open({ db: tempDb(), secretKey: SECRET_A });
    await engine.credentials.put('a', { type: 'bearer', value: 'same-value-123' });
    await engine.credentials.put('b', { type: 'bearer', value: 'same-value-123' });
    const a = (await engine.store.getCredential('default', 'a'))!.ciphertext;
    const b = (await engine.store.getCredential('default', 'b'))!.ciphertext;
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(a).not.toContain('same-value');
  });

  it('a key that cannot decrypt the stored credentials is a clear start-up error', async () => {
    const db = tempDb();
    const first = await Engine.open({ db, secretKey: SECRET_A });
    await first.credentials.put('api', { type: 'bearer', value: 'start-up-secret' });
    await first.close();
    const e = await failure(Engine.open({ db, secretKey: SECRET_B }));
    expect(e.code).toBe('secret_key_mismatch');
    expect(e.message).toContain(`the credentials in ${db} were encrypted with another key`);
    expect(e.message).toContain('WEFT_SECRET_KEY');
    expect(e.message).not.toContain(SECRET_B);
    expect(e.message).not.toContain(SECRET_A);
    // The right key still opens it, and the store was released by the failed start.
    const again = await open({ db, secretKey: SECRET_A });
    expect(await again.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'start-up-secret',
    });
  });

  it('reads WEFT_SECRET_KEY from the environment and refuses one shorter than 32 characters', async () => {
    process.env['WEFT_SECRET_KEY'] = 'too-short';
    const e = await failure(Engine.open({ db: tempDb() }));
    expect(e.code).toBe('secret_key_invalid');
    expect(e.message).toMatch(/WEFT_SECRET_KEY is too short: it needs at least 32 characters/);
    expect(e.message).not.toContain('too-short');
    process.env['WEFT_SECRET_KEY'] = SECRET_A;
    const db = tempDb();
    const engine = await open({ db });
    await engine.credentials.put('api', { type: 'bearer', value: 'env-secret-1' });
    expect(existsSync(`${db}.key`)).toBe(false);
  });

  it('without WEFT_SECRET_KEY, generates a key file beside the database once, mode 0600, with a warning', async () => {
    const db = tempDb();
    const captured = captureLog();
    const engine = await Engine.open({ db, log: captured.log });
    expect(existsSync(`${db}.key`)).toBe(false); // nothing until a credential needs it
    await engine.credentials.put('api', { type: 'bearer', value: 'file-key-secret' });
    const keyFile = `${db}.key`;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const warnings = captured.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(
      /WEFT_SECRET_KEY is not set: generated a key for credentials in .*\.key/,
    );
    expect(captured.text()).not.toContain(key);
    await engine.close();

    // Reopened: the same file, no new warning; its content also works as WEFT_SECRET_KEY.
    const again = await open({ db, log: captureLog().log });
    expect(await again.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'file-key-secret',
    });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    await again.close();
    const viaEnv = await open({ db, secretKey: key });
    expect(await viaEnv.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'file-key-secret',
    });
  });

  it('a missing or replaced key file is a clear start-up error naming the file', async () => {
    const db = tempDb();
    const engine = await Engine.open({ db });
    await engine.credentials.put('api', { type: 'bearer', value: 'lost-key-secret' });
    await engine.close();
    const keyFile = `${db}.key`;
    const original = readFileSync(keyFile);

    rmSync(keyFile);
    const missing = await failure(Engine.open({ db }));
    expect(missing.code).toBe('secret_key_missing');
    expect(missing.message).toContain(
      `the credentials in ${db} were encrypted with a key that is not available`,
    );
    expect(missing.message).toContain(keyFile);
    expect(existsSync(keyFile)).toBe(false); // not silently replaced by a new key

    writeFileSync(keyFile, 'another-key-0123456789-0123456789-abcdef\n', { mode: 0o600 });
    const replaced = await failure(Engine.open({ db }));
    expect(replaced.code).toBe('secret_key_mismatch');
    expect(replaced.message).toContain(`the credentials in ${db} were encrypted with another key`);
    expect(replaced.message).toContain(keyFile);
    expect(replaced.message).toContain('WEFT_SECRET_KEY');

    writeFileSync(keyFile, original);
    const restored = await open({ db });
    expect(await restored.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'lost-key-secret',
    });
  });

  it('in memory, uses a key of this process and writes no file', async () => {
    const engine = await open({ db: ':memory:' });
    await engine.credentials.put('api', { type: 'bearer', value: 'memory-secret' });
    expect(await engine.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'memory-secret',
    });
    expect(existsSync(':memory:.key')).toBe(false);
  });

  it('a database without credentials opens with any key', async () => {
    const db = tempDb();
    await (await Engine.open({ db, secretKey: SECRET_A })).close();
    const engine = await open({ db, secretKey: SECRET_B });
    await engine.credentials.put('api', { type: 'bearer', value: 'late-secret-1' });
    expect(await engine.credentials.resolver('default').get('api')).toEqual({
      type: 'bearer',
      value: 'late-secret-1',
    });
  });
});
