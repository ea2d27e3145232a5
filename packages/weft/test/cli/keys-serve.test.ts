/**
 * `weft keys create|list|revoke` as wired in the command, and what `weft help` says about keys
 * and `weft serve`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExit,
  expectNoCrash,
  lines,
  parseJson,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

describe('weft keys', () => {
  it('create prints a key once on stdout; list shows its prefix; revoke removes it', async () => {
    const created = await box.weft(['keys', 'create', '--tenant', 'acme']);
    expectExit(created, 0);
    const key = created.stdout.trim();
    expect(lines(created.stdout)).toHaveLength(1);
    expect(key).toMatch(/^wft_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).not.toContain(key);

    const json = await box.weft(['keys', 'create', '--tenant', 'acme', '--json']);
    expectExit(json, 0);
    const second = parseJson<{ id: string; key: string; prefix: string; tenant: string }>(json);
    expect(second).toMatchObject({ tenant: 'acme', prefix: second.key.slice(0, 12) });

    const listed = await box.weft(['keys', 'list', '--tenant', 'acme']);
    expectExit(listed, 0);
    expect(lines(listed.stdout)).toHaveLength(2);
    expect(listed.stdout).toContain(`${key.slice(0, 12)}…`);
    expect(listed.stdout).not.toContain(key);
    expect(lines((await box.weft(['keys', 'list', '--tenant', 'globex'])).stdout)).toEqual([]);

    const revoked = await box.weft(['keys', 'revoke', second.id, '--tenant', 'acme']);
    expectExit(revoked, 0);
    expect(revoked.stderr).toMatch(new RegExp(`revoked API key ${second.id} of tenant acme`));
    const listedJson = parseJson<{ keys: { id: string }[] }>(
      await box.weft(['keys', 'list', '--tenant', 'acme', '--json']),
    );
    expect(listedJson.keys.map((k) => k.id)).not.toContain(second.id);
    const twice = await box.weft(['keys', 'revoke', second.id, '--tenant', 'acme']);
    expectExit(twice, 1);
    expect(twice.stderr).toMatch(/tenant acme has no API key/);
  });

  it('refuses a missing tenant, a bad tenant, a missing id and unknown subcommands with exit 2', async () => {
    for (const args of [
      ['keys', 'create'],
      ['keys', 'create', '--tenant', 'Not A Tenant'],
      ['keys', 'revoke', '--tenant', 'acme'],
      ['keys', 'rotate', '--tenant', 'acme'],
      ['keys', 'create', 'extra', '--tenant', 'acme'],
    ]) {
      const r = await box.weft(args);
      expectExit(r, 2);
      expectNoCrash(r);
    }
  });

  it('weft help lists the keys commands and the serve settings', async () => {
    const r = await box.weft(['help']);
    expectExit(r, 0);
    for (const text of [
      'weft keys create --tenant T',
      'weft keys list --tenant T',
      'weft keys revoke ID --tenant T',
      'WEFT_DRAIN_MS',
      'WEFT_LOG_LEVEL',
    ]) {
      expect(r.stdout).toContain(text);
    }
  });
});
