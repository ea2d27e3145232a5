/**
 * API keys (SPEC section 8, issue 4): stored hashed and shown once (`weft keys create`), revocable,
 * and `WEFT_API_KEYS` parsed into the same resolver the server asks. On real SQLite files.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, keyResolver, parseApiKeys, WeftError } from '../../src/index.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { tempDb } from '../../../engine/test/helpers.js';

const opened: Engine[] = [];
const open = async (db = tempDb()) => {
  const engine = await Engine.open({ db });
  opened.push(engine);
  return engine;
};
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((e) => e.close()));
});

const thrown = (f: () => unknown): WeftError => {
  try {
    f();
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
};

describe('stored API keys', () => {
  it('creates a key shown once, stores only its SHA-256, and resolves it to its tenant', async () => {
    const db = tempDb();
    const engine = await open(db);
    const created = await engine.keys.create('acme');
    expect(created.key).toMatch(/^wft_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(await engine.keys.resolve(created.key)).toEqual({ tenant: 'acme' });
    const listed = await engine.keys.list('acme');
    expect(listed).toEqual([
      { id: created.id, tenant: 'acme', prefix: created.prefix, createdAt: created.createdAt },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    await engine.close();
    const bytes = readFileSync(db);
    expect(bytes.includes(Buffer.from(created.key))).toBe(false);
    expect(bytes.includes(Buffer.from(created.key.slice(12)))).toBe(false);
  });

  it('answers nothing for unknown, altered, empty and revoked keys', async () => {
    const engine = await open();
    const a = await engine.keys.create('acme');
    const b = await engine.keys.create('acme');
    const altered = `${a.key.slice(0, -1)}${a.key.endsWith('A') ? 'B' : 'A'}`;
    for (const k of [altered, '', 'wft_', a.prefix, 'x'.repeat(10_000)])
      expect(await engine.keys.resolve(k)).toBeUndefined();
    expect(await engine.keys.revoke('globex', a.id)).toBe(false); // another tenant's key
    expect(await engine.keys.revoke('acme', a.id)).toBe(true);
    expect(await engine.keys.resolve(a.key)).toBeUndefined();
    expect(await engine.keys.resolve(b.key)).toEqual({ tenant: 'acme' });
    expect((await engine.keys.list('acme')).map((k) => k.id)).toEqual([b.id]);
  });

  it('keeps tenants apart and refuses bad tenant names', async () => {
    const engine = await open();
    const a = await engine.keys.create('acme');
    const g = await engine.keys.create('globex');
    expect(await engine.keys.resolve(a.key)).toEqual({ tenant: 'acme' });
    expect(await engine.keys.resolve(g.key)).toEqual({ tenant: 'globex' });
    for (const t of ['', 'Acme', 'a b', '-a', 'x'.repeat(65)]) {
      await expect(engine.keys.create(t)).rejects.toMatchObject({ code: 'invalid_request' });
    }
  });
});

describe('WEFT_API_KEYS', () => {
  it('parses tenant:key entries, ignoring blanks and empty entries; a key may hold `:`', () => {
    expect(parseApiKeys(' acme:key-one , globex:key:two,, ')).toEqual([
      { tenant: 'acme', key: 'key-one' },
      { tenant: 'globex', key: 'key:two' },
    ]);
    expect(parseApiKeys('')).toEqual([]);
    expect(parseApiKeys(undefined)).toEqual([]);
  });

  it.each([
    ['acme-secret-key', 'WEFT_API_KEYS entry 1: no `:` between tenant and key'],
    ['acme:ok-key-1,:lonely-key', 'WEFT_API_KEYS entry 2: the tenant is empty'],
    ['Acme:the-key', 'WEFT_API_KEYS entry 1: the tenant must be lower-case letters'],
    ['acme:', 'WEFT_API_KEYS entry 1: the key of tenant acme is empty'],
    ['acme:has blank', 'WEFT_API_KEYS entry 1: the key of tenant acme contains blanks'],
    [
      'acme:same-key,globex:same-key',
      'WEFT_API_KEYS entry 2: the key repeats the key of an earlier entry',
    ],
  ])('refuses %j with a clear error that quotes no key', (spec, message) => {
    const e = thrown(() => parseApiKeys(spec));
    expect(e.code).toBe('invalid_config');
    expect(e.message.startsWith(message)).toBe(true);
    expect(e.message).toContain('the format is tenant:key,tenant:key');
    for (const secret of ['acme-secret-key', 'lonely-key', 'the-key', 'same-key', 'has blank']) {
      expect(e.message).not.toContain(secret);
    }
  });

  it('keyResolver answers keys of WEFT_API_KEYS and stored keys, and nothing else', async () => {
    const engine = await open();
    const stored = await engine.keys.create('acme');
    const keys = keyResolver(engine, {
      WEFT_API_KEYS: 'ops:env-key-0123456789,acme:env-key-acme-0001',
    });
    expect(keys.envKeys).toBe(2);
    expect(await keys.resolve('env-key-0123456789')).toEqual({ tenant: 'ops' });
    expect(await keys.resolve('env-key-acme-0001')).toEqual({ tenant: 'acme' });
    expect(await keys.resolve(stored.key)).toEqual({ tenant: 'acme' });
    expect(await keys.resolve('env-key-012345678')).toBeUndefined();
    expect(await keys.resolve('')).toBeUndefined();
    // A key created or revoked while serving counts at once.
    const later = await engine.keys.create('globex');
    expect(await keys.resolve(later.key)).toEqual({ tenant: 'globex' });
    await engine.keys.revoke('globex', later.id);
    expect(await keys.resolve(later.key)).toBeUndefined();
  });

  it('keyResolver refuses a malformed WEFT_API_KEYS at once and says whether any key is configured', async () => {
    const engine = await open();
    expect(thrown(() => keyResolver(engine, { WEFT_API_KEYS: 'nocolon' })).code).toBe(
      'invalid_config',
    );
    const none = keyResolver(engine, {});
    expect(none.envKeys).toBe(0);
    expect(await none.configured()).toBe(false);
    expect(await keyResolver(engine, { WEFT_API_KEYS: 'a:k-0001' }).configured()).toBe(true);
    const stored = await engine.keys.create('acme');
    expect(await none.configured()).toBe(true);
    await engine.keys.revoke('acme', stored.id);
    expect(await none.configured()).toBe(false);
  });
});

describe('weft keys create', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err };
  };

  it('prints a new key once on stdout, and it works, also while an engine holds the database', async () => {
    const db = tempDb();
    const engine = await open(db); // holds the database, as `weft serve` would
    const io = capture();
    expect(await keysCommand({ tenant: 'acme', db })).toBe(0);
    vi.restoreAllMocks();
    expect(io.out).toHaveLength(1);
    const key = io.out[0]!.trim();
    expect(key).toMatch(/^wft_[A-Za-z0-9_-]{43}$/);
    expect(io.err.join('')).toMatch(
      /created API key wft_.{8}… \(id .+\) for tenant acme; it is shown only this once/,
    );
    expect(io.err.join('')).not.toContain(key);
    expect(await keyResolver(engine, {}).resolve(key)).toEqual({ tenant: 'acme' });
  });

  it('lists and revokes; refuses a missing or bad tenant', async () => {
    const db = tempDb();
    let io = capture();
    await keysCommand({ tenant: 'acme', db, json: true });
    const created = JSON.parse(io.out[0]!) as { id: string; key: string };
    vi.restoreAllMocks();
    io = capture();
    await keysCommand({ action: 'list', tenant: 'acme', db, json: true });
    expect(JSON.parse(io.out[0]!)).toMatchObject({ keys: [{ id: created.id, tenant: 'acme' }] });
    expect(io.out.join('')).not.toContain(created.key);
    expect(await keysCommand({ action: 'revoke', tenant: 'acme', db, id: created.id })).toBe(0);
    vi.restoreAllMocks();
    await expect(keysCommand({ tenant: undefined, db })).rejects.toMatchObject({
      exitCode: 2,
      message: 'weft keys create needs a tenant: --tenant T',
    });
    await expect(keysCommand({ tenant: 'Bad Tenant', db })).rejects.toMatchObject({ exitCode: 2 });
    await expect(
      keysCommand({ action: 'revoke', tenant: 'acme', db, id: created.id }),
    ).rejects.toMatchObject({ exitCode: 1 });
    const engine = await open(db);
    expect(await engine.keys.resolve(created.key)).toBeUndefined();
  });
});
