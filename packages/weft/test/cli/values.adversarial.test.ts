/**
 * `weft run` and values that would crash the engine (issue 17, section 2): an `http` answer nested
 * thousands of levels deep used to leave the run `running` and the command ending with exit 0 and
 * nothing on stdout. It must end with the run failed and exit 1; and a command whose run nothing
 * carries on any more must never end with exit 0.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectExit,
  expectNoCrash,
  parseJson,
  repoRoot,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';

let upstream: Server;
let base: string;
const boxes: Sandbox[] = [];
beforeAll(async () => {
  requireBuild();
  // /N answers `[[[...]]]` N levels deep.
  upstream = createServer((req, res) => {
    const depth = Number((req.url ?? '/1').slice(1));
    res.setHeader('content-type', 'application/json');
    res.end(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const box of boxes) box.remove();
  await new Promise((resolve) => upstream.close(resolve));
});

const deepFlow = (depth: number) => `id: deep
nodes:
  - { id: get, type: http, with: { url: "${base}/${depth}" } }
`;

describe.concurrent('weft run on an http answer nested deep', () => {
  it.each([3200, 100_000])('%i levels: exit 1, the node failed by name', async (depth) => {
    const box = sandbox();
    boxes.push(box);
    box.write('deep.yaml', deepFlow(depth));
    const env = { WEFT_HTTP_ALLOW: '127.0.0.1' };
    const r = await box.weft(['run', 'deep.yaml'], { env });
    expectExit(r, 1);
    expectNoCrash(r);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /run \S+ failed: output_too_large: output of get nests .*maxDepth = 64/,
    );
    const json = await box.weft(['run', 'deep.yaml', '--json'], { env });
    expectExit(json, 1);
    expect(parseJson(json)).toMatchObject({
      status: 'failed',
      nodes: { get: { status: 'failed', error: { code: 'output_too_large' } } },
    });
  });
});

it('a command left waiting on a run nothing carries on exits 1 and says so', async () => {
  // What `weft run` does when its run can no longer move: the guard of the CLI's main, alone.
  const unfinished = pathToFileURL(
    join(repoRoot, 'packages', 'weft', 'dist', 'cli', 'unfinished.js'),
  ).href;
  const script = `
    const { guardUnfinished, waitingFor } = await import(${JSON.stringify(unfinished)});
    guardUnfinished(() => false);
    waitingFor('run r1 did not finish');
    await new Promise(() => {});
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(1);
  expect(stderr).toBe('run r1 did not finish\n');
});
