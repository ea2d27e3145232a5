/**
 * `weft import astron|dify` and `weft export sw` as a user runs them: output to stdout or -o,
 * the parts that do not translate listed with FILE:line:column (exit 1, or 0 with --partial),
 * files that are not a canvas or a definition refused with their position (exit 2), and an
 * imported Dify chatflow run with `weft run` against the fake OpenAI server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../../../test/fixtures/openai-server.mjs';
import * as astron from '../../../importers/test/astron-fixtures.js';
import { difyFixture } from '../../../importers/test/dify-fixtures.js';
import { example, expectExit, requireBuild, sandbox, weft, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

/** These commands take no --db: run them in the sandbox directly. */
const run = (...args: string[]) => weft(args, { cwd: box.dir });

describe.concurrent('weft import', () => {
  it('astron: the definition to -o, valid for weft validate; nothing on stdout', async () => {
    const file = box.write('chat.json', astron.chatCanvas());
    const r = await run('import', 'astron', file, '-o', join(box.dir, 'chat.yaml'));
    expectExit(r, 0);
    expect(r.stdout).toBe('');
    const yaml = readFileSync(join(box.dir, 'chat.yaml'), 'utf8');
    expect(yaml).toMatch(
      /^# Imported from an astron-agent canvas \(chat\.json\) by weft import astron\.\n/,
    );
    expect(yaml).toContain('id: chat\n');
    expectExit(await run('validate', join(box.dir, 'chat.yaml')), 0);
  });

  it('nodes that do not map: listed with FILE:line:column, the rest written; exit 1, or 0 with --partial', async () => {
    const file = box.write('partial.json', astron.unsupportedCanvas());
    const r = await run('import', 'astron', file);
    expectExit(r, 1);
    expect(r.stdout).toContain('type: noop');
    expect(r.stdout).toContain('# Left out: database node database::db1 "Orders table": ');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^${file}:\\d+:\\d+: not translated: database node database::db1 "Orders table": astron's database node`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${file}:\\d+:\\d+: not translated: plugin node plugin::p1 "Weather": `),
    );
    expect(lines[2]).toBe('2 part(s) not translated: written, but see above; --partial accepts it');
    const partial = await run('import', 'astron', file, '--partial');
    expectExit(partial, 0);
    expect(partial.stdout).toBe(r.stdout);
    expect(partial.stderr).toContain('written without the 2 part(s) above (--partial)');
  });

  it('a file that is not a canvas: exit 2 with its position, nothing written', async () => {
    const file = box.write('not-canvas.json', '{\n  "name": "x",\n  "nodes": 3\n}\n');
    const out = join(box.dir, 'never.yaml');
    const r = await run('import', 'astron', file, '-o', out);
    expectExit(r, 2);
    expect(r.stderr.trim()).toBe(
      `${file}:1:1: not an astron-agent canvas: expected an object with \`nodes\` and \`edges\` lists (or \`workflow: { nodes, edges }\`), found an object without a \`nodes\` list`,
    );
    expect(existsSync(out)).toBe(false);
    const broken = box.write('broken.yml', 'app:\n  mode: workflow\n  name: [x\n');
    const b = await run('import', 'dify', broken);
    expectExit(b, 2);
    expect(b.stderr).toMatch(new RegExp(`^${broken}:4:1: the DSL file is not valid YAML: `));
  });

  it('usage errors: an unknown format, a missing file', async () => {
    const r = await run('import', 'n8n', 'x.json');
    expectExit(r, 2);
    expect(r.stderr.trim()).toBe(
      'weft import n8n: unknown format; weft import takes astron or dify',
    );
    const m = await run('import', 'dify');
    expectExit(m, 2);
    expect(m.stderr.trim()).toBe(
      'weft import needs a format and a file: weft import astron|dify FILE [-o OUT]',
    );
    const h = await run('help', 'import');
    expectExit(h, 0);
    expect(h.stdout).toContain('weft import astron|dify FILE [-o OUT] [--partial]');
  });

  it('dify: an imported chatflow runs with weft run against the fake OpenAI server', async () => {
    const ai = await startDemoServer({ apiKey: 'demo-key' });
    try {
      const file = box.write('chatflow.yml', difyFixture('chatflow'));
      const imported = join(box.dir, 'chatflow.yaml');
      expectExit(await run('import', 'dify', file, '-o', imported), 0);
      const r = await box.weft(['run', imported, '--input', '{"query": "is it durable?"}'], {
        env: { OPENAI_BASE_URL: ai.url, OPENAI_API_KEY: 'demo-key', WEFT_HTTP_ALLOW: '127.0.0.1' },
      });
      expectExit(r, 0);
      expect(JSON.parse(r.stdout)).toEqual({ answer: 'You said: is it durable?' });
    } finally {
      await ai.close();
    }
  });
});

describe.concurrent('weft export sw', () => {
  it('a graph that maps: the SW document on stdout, exit 0', async () => {
    const r = await run('export', 'sw', example('branching.yaml'));
    expectExit(r, 0);
    expect(r.stdout).toContain('document:\n  dsl: 1.0.3\n  namespace: weft\n  name: branching\n');
    expect(r.stdout).toContain(
      '  - review:\n      if: ${ ((($context | has("big")) and $context["big"] == true)) }\n',
    );
    expect(r.stderr).toBe('');
  });

  it('nodes that do not map: named with their position in the Weft file; exit 1, or 0 with --partial', async () => {
    const r = await run('export', 'sw', example('code.yaml'), '-o', join(box.dir, 'code.sw.yaml'));
    expectExit(r, 1);
    const [first, second] = r.stderr.split('\n');
    expect(first).toBe(
      `${example('code.yaml')}:19:5: not translated: code node totals: Weft's sandboxed code returns a value; an SW run: script returns its process output`,
    );
    expect(second).toMatch(
      new RegExp(`^${example('code.yaml')}:28:5: not translated: code node shipping: `),
    );
    expect(readFileSync(join(box.dir, 'code.sw.yaml'), 'utf8')).toContain(
      '# not mapped: Weft code node totals',
    );
    expectExit(await run('export', 'sw', example('code.yaml'), '--partial'), 0);
  });

  it('a definition that does not validate: its problems, exit 2', async () => {
    const file = box.write('bad.yaml', 'id: bad\nnodes:\n  - id: a\n    type: nope\n');
    const r = await run('export', 'sw', file);
    expectExit(r, 2);
    expect(r.stderr).toContain(`${file}:4:11: nodes[0].type: unknown node type`);
  });
});
