/**
 * `weft credentials set|list|delete` (SPEC sections 8 and 9), the same on a local database and
 * against a server; and an `llm` node using a credential set this way, against the fake
 * OpenAI-compatible server over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../../test/fixtures/openai-server.mjs';
import {
  example,
  expectExit,
  parseJson,
  requireBuild,
  sandbox,
  type CliResult,
  type Sandbox,
} from './harness.js';
import { serveBox } from './serve.js';

type Fixture = Awaited<ReturnType<typeof startOpenAiServer>>;
let ai: Fixture;

beforeAll(async () => {
  requireBuild();
  ai = await startOpenAiServer({ apiKey: 'fixture-key' });
});
afterAll(() => ai.close());

describe.each([['local'], ['server']] as const)('weft credentials (%s)', (way) => {
  const box = {} as Sandbox;
  let url = '';
  const env = {
    WEFT_SECRET_KEY: 'cli-test-secret-key-0123456789abcdefgh',
    WEFT_HTTP_ALLOW: '127.0.0.1',
  };
  const cli = (...args: string[]): Promise<CliResult> =>
    box.weft(way === 'server' ? [...args, '--server', url] : args, { env });
  const step = it.sequential;

  beforeAll(async () => {
    Object.assign(box, sandbox());
    if (way === 'server') url = (await serveBox(box, env)).url;
  }, 60_000);
  afterAll(() => box.remove?.());

  step(
    'set stores each type the API accepts; list shows names and types, never values',
    async () => {
      const set = [
        ['ai', '--type', 'openai', '--base-url', ai.url, '--api-key', 'fixture-key'],
        ['gh', '--type', 'bearer', '--value', 'ghp-SECRET-1'],
        ['basic', '--type', 'basic', '--username', 'ada', '--password', 'pw-SECRET-2'],
        ['hdr', '--type', 'header', '--name', 'X-Api-Key', '--value', 'hdr-SECRET-3'],
      ];
      for (const args of set) {
        const r = await cli('credentials', 'set', ...args);
        expectExit(r, 0);
        expect(r.stdout).toBe(`created credential ${args[0]} (${args[2]})\n`);
      }
      const again = await cli('credentials', 'set', 'gh', '--type', 'bearer', '--value', 'new');
      expect(again.stdout).toBe('replaced credential gh (bearer)\n');
      const list = await cli('credentials', 'list', '--json');
      expectExit(list, 0);
      const names = parseJson<{ credentials: { name: string; type: string }[] }>(list).credentials;
      expect(names.map((c) => [c.name, c.type]).sort()).toEqual([
        ['ai', 'openai'],
        ['basic', 'basic'],
        ['gh', 'bearer'],
        ['hdr', 'header'],
      ]);
      const text = await cli('credentials', 'list');
      expect(text.stdout).toMatch(/^NAME\s+TYPE\s+UPDATED$/m);
      expect(text.stdout + list.stdout).not.toMatch(/SECRET|fixture-key/);
    },
  );

  step('an llm node uses the credential', async () => {
    box.write(
      'ask.yaml',
      `id: ask
nodes:
  - id: ask
    type: llm
    with: { credential: ai, model: m1, prompt: hello from the cli }
`,
    );
    const run = await cli('run', 'ask.yaml');
    expectExit(run, 0);
    expect(parseJson(run)).toMatchObject({ text: 'You said: hello from the cli', model: 'm1' });
  });

  step(
    'set refuses a missing type, an unknown type and missing or stray fields (exit 2)',
    async () => {
      const cases: [string[], RegExp][] = [
        [['x', '--value', 'v'], /needs --type \(bearer, basic, header, openai\)/],
        [['x', '--type', 'ftp', '--value', 'v'], /--type ftp is not a credential type/],
        [['x', '--type', 'openai', '--api-key', 'k'], /type openai needs --base-url/],
        [['x', '--type', 'bearer', '--value', 'v', '--username', 'u'], /does not take --username/],
        [['--type', 'bearer', '--value', 'v'], /needs a credential name/],
      ];
      for (const [args, message] of cases) {
        const r = await cli('credentials', 'set', ...args);
        expectExit(r, 2);
        expect(r.stderr).toMatch(message);
      }
    },
  );

  step('delete removes it; deleting it again is not found', async () => {
    const r = await cli('credentials', 'delete', 'gh');
    expectExit(r, 0);
    expect(r.stdout).toBe('deleted credential gh\n');
    const list = await cli('credentials', 'list', '--json');
    expect(
      parseJson<{ credentials: { name: string }[] }>(list).credentials.map((c) => c.name),
    ).not.toContain('gh');
    const again = await cli('credentials', 'delete', 'gh');
    expectExit(again, 1);
    expect(again.stderr).toMatch(/gh/);
  });
});

describe('examples/llm.yaml', () => {
  let box: Sandbox;
  beforeAll(() => {
    box = sandbox();
  });
  afterAll(() => box.remove());

  it('runs offline against the fake server from OPENAI_BASE_URL', async () => {
    const r = await box.weft(['run', example('llm.yaml'), '--input', '{"topic": "rivers"}'], {
      env: { OPENAI_BASE_URL: ai.url, OPENAI_API_KEY: 'fixture-key', WEFT_HTTP_ALLOW: '127.0.0.1' },
    });
    expectExit(r, 0);
    const out = parseJson<{ reply: string; facts: unknown; tokens: number }>(r);
    expect(out.reply).toBe('You said: Tell me something about rivers.');
    expect(out.facts).toEqual({ fact: 'text', confidence: 1 });
    expect(out.tokens).toBeGreaterThan(0);
  });
});
